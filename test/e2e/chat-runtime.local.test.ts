import { chatRuntimeCases } from './chat-runtime-cases.ts'

chatRuntimeCases('the local state store', {})
