import { type App, createApp } from '../../bin/create-app.ts'
import { testConfig } from '../support/test-config.ts'
import { listOperations, type Operation } from './openapi-operations.ts'
import { type Seeded, seedTenants } from './seed-tenants.ts'

export interface FuzzApp {
  app: App
  operations: Operation[]
  seeded: Seeded
}

/** Rate limits out of the way, so the fuzz reaches handlers instead of collecting 429s. */
const FUZZ_ENV = {
  INGEST_RATE_LIMIT_PER_IP: '100000000',
  INGEST_RATE_LIMIT_PER_KEY: '100000000',
  CHAT_RATE_LIMIT_PER_SESSION: '100000000',
}

/** A real app on `dataDir`, its OpenAPI document read over HTTP, two tenants seeded. */
export async function startFuzzApp(dataDir: string): Promise<FuzzApp> {
  const app = await createApp(testConfig(dataDir, FUZZ_ENV))
  const document = await app.server.inject({ method: 'GET', url: '/docs/json' })
  if (document.statusCode !== 200) throw new Error(`GET /docs/json answered ${document.statusCode}`)
  const operations = listOperations(document.json())
  const seeded = await seedTenants(app)
  return { app, operations, seeded }
}
