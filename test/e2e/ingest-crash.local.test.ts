import { ingestCrashCases } from './ingest-crash-cases.ts'

ingestCrashCases('the local event log', {})
