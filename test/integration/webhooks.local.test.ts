import { webhookCases } from './webhooks-cases.ts'

webhookCases('the local state store', {})
