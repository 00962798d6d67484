import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readdir, readFile, rm } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { createClickHouse } from '../../platform/clickhouse/create-clickhouse.ts'
import { createDb } from '../../platform/clickhouse/db.ts'
import { serverInfoPath } from '../../platform/create-platform.ts'
import { type RunningServer, runCli, startServer } from '../support/cli.ts'
import { waitForSinkToCatchUp } from '../support/prometheus.ts'
import { tempDir } from '../support/temp-dir.ts'
import { waitFor } from '../support/wait-for.ts'
import { createWidgetKey } from '../support/widget-key.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const ORIGIN = 'https://shop.example'

/** The pids whose process group is `group` (orphans re-parented to init keep their group). */
async function processGroup(group: number): Promise<number[]> {
  const pids: number[] = []
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8')
      // Fields after the command name (which may hold spaces): state, ppid, pgrp, ...
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (Number(fields[2]) === group) pids.push(Number(entry))
    } catch {
      // exited while listed
    }
  }
  return pids
}

interface NpmStart {
  process: ChildProcess
  url: string
  exited: Promise<void>
  output: () => string
}

const started: NpmStart[] = []
const servers: RunningServer[] = []
afterAll(async () => {
  // Each npm start leads its own process group, so what is left of a failed test can be found by group.
  for (const { process: child } of started)
    for (const pid of await processGroup(child.pid as number)) process.kill(pid, 'SIGKILL')
  for (const server of servers) if (server.process.exitCode === null) await server.stop('SIGKILL')
})

/** `npm start` as a process manager runs it: its own process group, signals sent to the npm pid only. */
async function npmStart(env: Record<string, string> & { DATA_DIR: string }): Promise<NpmStart> {
  await rm(serverInfoPath(env.DATA_DIR), { force: true })
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL: '', KAFKA_BROKERS: '', CLICKHOUSE_URL: '', PORT: '0', ...env },
    detached: true,
  })
  let output = ''
  child.stdout?.on('data', (chunk) => (output += chunk))
  child.stderr?.on('data', (chunk) => (output += chunk))
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  const run: NpmStart = { process: child, url: '', exited, output: () => output }
  started.push(run)
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`)
      try {
        run.url = JSON.parse(await readFile(serverInfoPath(env.DATA_DIR), 'utf8')).url
        return (await fetch(`${run.url}/readyz`)).status === 200
      } catch {
        return false
      }
    },
    { timeoutMs: 90_000, intervalMs: 200, message: 'npm start ready' },
  )
  return run
}

async function sendBeacon(url: string, publicKey: string): Promise<string> {
  const eventId = randomUUID()
  const response = await fetch(`${url}/v1/telemetry?publicKey=${publicKey}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN },
    body: JSON.stringify({ event_id: eventId, type: 'widget.opened', ts: Date.now(), anonymous_id: 'v-1' }),
  })
  expect(response.status, await response.text()).toBe(202)
  return eventId
}

async function storedCopies(dataDir: string, tenantId: string): Promise<Map<string, number>> {
  const clickhouse = await createClickHouse({
    dataDir,
    clickhouse: { url: undefined, user: 'default', password: '', database: 'comerix', cluster: undefined },
  })
  const db = createDb(clickhouse)
  try {
    const rows = await db.select<{ event_id: string; copies: string }>(
      `SELECT toString(event_id) AS event_id, count() AS copies FROM ${db.tables.events}
       WHERE tenant_id = {tenantId:UUID} GROUP BY event_id`,
      { tenantId },
    )
    return new Map(rows.map((row) => [row.event_id, Number(row.copies)]))
  } finally {
    await clickhouse.client.close()
  }
}

describe('stopping `npm start` with a signal to the npm pid', () => {
  it('SIGTERM and SIGINT stop every process of the tree gracefully and free the data directory', {
    timeout: 420_000,
  }, async () => {
    const dataDir = await tempDir('comerix-stop-')
    const env = { DATA_DIR: dataDir, LOG_LEVEL: 'info' }
    let tenant: { tenantId: string; publicKey: string } | undefined
    const accepted: string[] = []

    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const run = await npmStart(env)
      tenant ??= await createWidgetKey({ ...env, LOG_LEVEL: 'warn' }, 'stop-shop', ORIGIN)
      const tree = await processGroup(run.process.pid as number)
      expect(tree.length, 'npm and the server').toBeGreaterThanOrEqual(2)

      // Accepted just before the signal: a graceful stop drains it to the sink or leaves it in the log.
      accepted.push(await sendBeacon(run.url, tenant.publicKey))
      run.process.kill(signal)
      await run.exited
      await waitFor(async () => (await processGroup(run.process.pid as number)).length === 0, {
        timeoutMs: 60_000,
        message: `every process of npm start's tree gone after ${signal}`,
      })
      expect(run.output()).toMatch(new RegExp(`"reason":"${signal}","msg":"stopped"`))
      expect(existsSync(serverInfoPath(dataDir))).toBe(false)

      // The data directory is free: the CLI opens the embedded stores itself.
      const migrate = await runCli(['migrate'], { ...env, LOG_LEVEL: 'warn' })
      expect(migrate.code, migrate.stderr).toBe(0)
      expect(migrate.stdout).toMatch(/up to date/)
    }

    // After a restart, both events are stored exactly once.
    const server = await startServer({ ...env, LOG_LEVEL: 'warn' })
    servers.push(server)
    await waitForSinkToCatchUp(server.url, 120_000)
    expect(await server.stop('SIGTERM')).toBe(0)
    const copies = await storedCopies(dataDir, tenant?.tenantId as string)
    expect(accepted.map((id) => copies.get(id))).toEqual([1, 1])
  })

  it('a server started with --exit-with-parent stops when npm is killed outright', {
    timeout: 180_000,
  }, async () => {
    const dataDir = await tempDir('comerix-stop-')
    const run = await npmStart({ DATA_DIR: dataDir, LOG_LEVEL: 'info' })
    run.process.kill('SIGKILL')
    await waitFor(async () => (await processGroup(run.process.pid as number)).length === 0, {
      timeoutMs: 60_000,
      message: 'the orphaned server gone',
    })
    expect(run.output()).toMatch(/"reason":"parent exited","msg":"stopped"/)
    expect(existsSync(serverInfoPath(dataDir))).toBe(false)
  })
})
