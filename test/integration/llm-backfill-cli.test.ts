import { afterAll, describe, expect, it } from 'vitest'
import { type RunningServer, runCli, startServer } from '../support/cli.ts'
import { tempDir } from '../support/temp-dir.ts'

const servers: RunningServer[] = []
afterAll(async () => {
  for (const server of servers) if (server.process.exitCode === null) await server.stop('SIGKILL')
})

const backfill = (env: Record<string, string>, ...args: string[]) =>
  runCli(['token-spend:backfill', '--from', '2026-11-01', '--to', '2026-11-03', ...args], env)

describe('comerix token-spend:backfill', () => {
  it('runs through the server holding the data directory, and opens the store itself once it is gone', async () => {
    const dataDir = await tempDir()
    const env = { DATA_DIR: dataDir, LOG_LEVEL: 'warn' }
    const server = await startServer({ DATA_DIR: dataDir })
    servers.push(server)
    expect((await runCli(['tenant:create', 'spend-shop'], env)).code).toBe(0)

    const viaServer = await backfill(env, '--tenant', 'spend-shop', '--json')
    expect(viaServer.code, viaServer.stderr).toBe(0)
    expect(JSON.parse(viaServer.stdout)).toEqual({
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-11-04T00:00:00.000Z',
      tenant: 'spend-shop',
      total: 0,
      scanned: 0,
      adjusted: 0,
      deltaMicros: 0,
    })
    const unknown = await backfill(env, '--tenant', 'nobody')
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain('no tenant "nobody"')

    expect(await server.stop()).toBe(0)
    const direct = await backfill(env)
    expect(direct.code, direct.stderr).toBe(0)
    expect(direct.stdout).toContain(
      'Re-priced 0 calls from 2026-11-01T00:00:00.000Z to 2026-11-04T00:00:00.000Z',
    )
  }, 240_000) // a server start and four CLI processes, each loading the whole app

  it('refuses a period that ends before it starts, before touching the store', async () => {
    const result = await runCli(['token-spend:backfill', '--from', '2026-11-05', '--to', '2026-11-01'], {
      DATA_DIR: await tempDir(),
      LOG_LEVEL: 'warn',
    })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('--to must not be before --from')
  }, 60_000)
})
