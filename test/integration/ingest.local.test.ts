import { ingestCases } from './ingest-cases.ts'

ingestCases('the local event log', {})
