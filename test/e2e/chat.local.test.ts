import { chatCases } from './chat-cases.ts'

chatCases('the local state store', {})
