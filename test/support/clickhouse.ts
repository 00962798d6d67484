import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll } from 'vitest'
import { type ClickHouse, createClickHouse } from '../../platform/clickhouse/create-clickhouse.ts'

/**
 * chdb binds one data directory per process, and vitest runs each test file in its own process:
 * every file gets one directory, and each caller gets a fresh database inside it for isolation.
 */
const dataDir = path.join(tmpdir(), `comerix-chdb-${process.pid}`)
let shared: Promise<ClickHouse> | undefined
let counter = 0

afterAll(async () => {
  if (!shared) return
  await (await shared).client.close()
  await rm(dataDir, { recursive: true, force: true })
})

export async function testClickHouse(): Promise<ClickHouse> {
  shared ??= createClickHouse({
    dataDir,
    clickhouse: { url: undefined, user: 'default', password: '', database: 'unused', cluster: undefined },
  })
  const base = await shared
  counter += 1
  return { ...base, database: `test_${process.pid}_${counter}` }
}
