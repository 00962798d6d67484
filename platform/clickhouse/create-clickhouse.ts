import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { type ClickHouseClient, type ClickHouseClientConfigOptions, createClient } from '@clickhouse/client'
import { createChdbConnection } from 'chdb/connection'
import type { Config } from '../config/config.ts'

export type { ClickHouseClient }

export interface ClickHouse {
  client: ClickHouseClient
  mode: 'embedded' | 'server'
  /** Database every Comerix table lives in; SQL names tables as `${database}.name`. */
  database: string
  cluster: string | undefined
}

/**
 * One `ClickHouseClient` for both modes: chdb (the ClickHouse engine in-process) plugged in as the
 * client's connection when no server URL is configured, the HTTP connection otherwise.
 */
export async function createClickHouse(config: Pick<Config, 'clickhouse' | 'dataDir'>): Promise<ClickHouse> {
  const { url, user, password, database, cluster } = config.clickhouse
  if (url !== undefined) {
    const client = createClient({
      url,
      username: user,
      password,
      clickhouse_settings: { date_time_input_format: 'best_effort' },
    })
    return { client, mode: 'server', database, cluster }
  }
  const dir = path.join(config.dataDir, 'clickhouse')
  await mkdir(dir, { recursive: true })
  const client = createClient({
    // chdb implements the same Connection contract, typed against its own copy of client-common.
    connection: createChdbConnection({ path: dir }) as unknown as ClickHouseClientConfigOptions['connection'],
    clickhouse_settings: { date_time_input_format: 'best_effort' },
  })
  // Embedded mode has no cluster: ON CLUSTER would fail without remote_servers.
  return { client, mode: 'embedded', database, cluster: undefined }
}
