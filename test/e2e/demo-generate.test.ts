import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { GenerationSummary } from '../../demo/generate/generation-summary.ts'
import { runCli, startServer } from '../support/cli.ts'
import { tempDir } from '../support/temp-dir.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/**
 * Counts a run's stored events by type in another process: chdb admits one data directory per
 * process, and this worker's belongs to the other test files.
 */
function storedByType(dataDir: string, summary: GenerationSummary): Promise<Record<string, number>> {
  const script = `
    const { loadConfig } = await import('./platform/config/config.ts')
    const { createClickHouse } = await import('./platform/clickhouse/create-clickhouse.ts')
    const { createDb } = await import('./platform/clickhouse/db.ts')
    const clickhouse = await createClickHouse(loadConfig({ DATA_DIR: process.env.DATA_DIR }))
    const db = createDb(clickhouse)
    const rows = await db.select(
      'SELECT type, count() AS n FROM ' + db.tables.events +
        ' WHERE tenant_id = {tenantId:UUID} AND startsWith(toString(event_id), {tag:String}) GROUP BY type',
      { tenantId: process.env.TENANT_ID, tag: process.env.RUN_TAG + '-' },
    )
    await clickhouse.client.close()
    console.log(JSON.stringify(Object.fromEntries(rows.map((row) => [row.type, Number(row.n)]))))
  `
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      env: { ...process.env, DATA_DIR: dataDir, TENANT_ID: summary.tenantId, RUN_TAG: summary.runTag },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(stdout)) : reject(new Error(stderr))))
  })
}

async function generate(dataDir: string, seed: number, more: string[] = []): Promise<GenerationSummary> {
  const result = await runCli(
    ['demo:generate', '--days', '3', '--visitors', '50', '--seed', String(seed), '--json', ...more],
    { DATA_DIR: dataDir },
  )
  expect(result.code, result.stderr).toBe(0)
  return JSON.parse(result.stdout)
}

describe('comerix demo:generate', () => {
  it('stores what it reports, through a running server and without one', { timeout: 180_000 }, async () => {
    const dataDir = await tempDir()
    const server = await startServer({ DATA_DIR: dataDir })
    let throughServer: GenerationSummary
    try {
      throughServer = await generate(dataDir, 1)
    } finally {
      await server.stop()
    }
    const direct = await generate(dataDir, 2)

    for (const summary of [throughServer, direct]) {
      expect(summary.visitors).toBe(50)
      expect(summary.events).toBeGreaterThan(200)
      expect(summary.stored).toBe(summary.events)
      expect(await storedByType(dataDir, summary)).toEqual(summary.eventsByType)
    }
    // Both runs went to the seeded demo tenant, whose published flows the chat events name.
    expect(direct.tenantId).toBe(throughServer.tenantId)
    expect(direct.runTag).not.toBe(throughServer.runTag)
  })

  it('inserts the history straight into events with --direct, once however often it runs', {
    timeout: 180_000,
  }, async () => {
    const now = ['--now', String(Date.parse('2026-11-10T12:00:00Z'))]
    const directDir = await tempDir()
    const once = await generate(directDir, 4, [...now, '--direct'])
    const again = await generate(directDir, 4, [...now, '--direct'])
    expect(once.stored).toBe(once.events)
    expect(again.stored).toBe(once.events)
    expect(await storedByType(directDir, again)).toEqual(once.eventsByType)
  })

  it('refuses an unknown tenant without storing anything', { timeout: 60_000 }, async () => {
    const result = await runCli(['demo:generate', '--tenant', 'nobody', '--visitors', '5'], {
      DATA_DIR: await tempDir(),
    })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('no tenant with id or slug "nobody"')
  })
})
