import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import path from 'node:path'
import { createClient } from '@clickhouse/client'
import { BenchBodies, ORIGIN } from '../ingest/bench-events.ts'
import { startComerix } from '../support/comerix.ts'
import { ROOT, runTs, sleep, waitFor } from '../support/processes.ts'
import { note } from '../support/progress.ts'
import { type AnalystSqlOptions, parseAnalystSqlOptions } from './analyst-sql-options.ts'

const SMALL_AGGREGATE =
  'SELECT type, count() AS n FROM events WHERE ts >= {from:DateTime64(3)} GROUP BY type ORDER BY type'
/** An analyst's heavy query: a cross join that runs until the endpoint's time limit stops it. */
const HEAVY =
  'SELECT count() FROM events AS e CROSS JOIN numbers(1000000) AS n WHERE cityHash64(e.event_id, n.number) % 1000003 = 1'

interface BenchTenant {
  id: string
  publicKey: string
  analystKey: string
}

/**
 * `npm run bench -- analyst-sql`, against a real `comerix serve`: queries per second of a small aggregate
 * through the analyst endpoint (@clickhouse/client over HTTP, parsed, checked and tenant-scoped), then, once
 * the server is stopped, the same aggregate through the product's own query helper (the floor); and ingest
 * freshness (a beacon answered 202 until the dashboards' API counts it) idle and while an analyst's heavy query
 * runs back to back.
 */
export async function runAnalystSqlSuite(argv: string[]): Promise<void> {
  const options = parseAnalystSqlOptions(argv)
  const dataDir = await mkdtemp(path.join(ROOT, '.tmp', 'bench-analyst-sql-'))
  const port = await freePort()
  const env = {
    SINK_BATCH_WAIT_MS: '20',
    ANALYST_SQL_PORT: String(port),
    ANALYST_SQL_MAX_EXECUTION_SECONDS: String(options.maxExecutionSeconds),
    ANALYST_SQL_MAX_CONCURRENT: '4',
  }
  try {
    note('starting comerix serve')
    const server = await startComerix({
      mode: 'embedded',
      dataDir,
      kafkaBrokers: undefined,
      profileDir: undefined,
      origin: ORIGIN,
      env,
    })
    const cli = { DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env }
    const from = new Date(Date.now() - 86_400_000).toISOString().replace('T', ' ').slice(0, 19)
    let endpointRate: number
    let idle: Freshness
    let loaded: Freshness
    let heavy: Map<string, number>
    let tenant: BenchTenant
    try {
      tenant = await benchTenant('bench-analyst', cli)
      const probe = await benchTenant('bench-probe', cli)
      note(`sending ${options.events} events through POST /v1/telemetry`)
      await sendEvents(server.url, tenant.publicKey, options.events)
      const client = createClient({
        url: `http://bench-analyst:${encodeURIComponent(tenant.analystKey)}@127.0.0.1:${port}`,
        request_timeout: 120_000,
      })
      await waitFor(
        async () => {
          const [row] = await (
            await client.query({ query: 'SELECT count() AS n FROM events', format: 'JSONEachRow' })
          ).json<{ n: string }>()
          return Number(row?.n) >= options.events
        },
        { timeoutMs: 300_000, intervalMs: 500, message: 'the bench events stored' },
      )
      note('timing the small aggregate through the endpoint')
      endpointRate = await rate(options, async () => {
        await (
          await client.query({ query: SMALL_AGGREGATE, query_params: { from }, format: 'JSONEachRow' })
        ).json()
      })
      note(`freshness, idle (${options.probeSeconds} s)`)
      idle = await freshness(server.url, probe, options.probeSeconds)
      note(`freshness while the analyst runs the heavy query back to back (${options.probeSeconds} s)`)
      let loading = true
      heavy = new Map()
      const load = (async () => {
        while (loading) {
          const outcome = await client
            .query({ query: HEAVY, format: 'JSONEachRow' })
            .then(async (result) => {
              await result.json()
              return 'finished'
            })
            .catch((error: { type?: string }) => error.type ?? 'error')
          heavy.set(outcome, (heavy.get(outcome) ?? 0) + 1)
        }
      })()
      await sleep(300)
      loaded = await freshness(server.url, probe, options.probeSeconds)
      loading = false
      await load
      await client.close()
    } finally {
      await server.child.stop()
    }
    note('timing the same aggregate through the internal client (server stopped)')
    const internal = JSON.parse(
      await runTs(
        'ops/bench/analyst-sql/measure-internal.ts',
        [tenant.id, from, String(options.warmup), String(options.requests)],
        { DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
      ),
    ) as { perSecond: number }

    console.log(`\nanalyst-sql bench (${options.events} events, ${options.requests} timed queries per path)`)
    console.log(`  small aggregate, internal client : ${internal.perSecond.toFixed(1)} q/s`)
    console.log(`  small aggregate, analyst endpoint: ${endpointRate.toFixed(1)} q/s`)
    console.log(`  ratio endpoint / internal        : ${(endpointRate / internal.perSecond).toFixed(3)}`)
    console.log('  ingest freshness (beacon 202 -> counted by GET /v1/analytics/engagement), ms:')
    console.log(
      `    idle                      p50 ${idle.p50}  p99 ${idle.p99}  max ${idle.max}  (${idle.samples} probes)`,
    )
    console.log(
      `    under heavy analyst query p50 ${loaded.p50}  p99 ${loaded.p99}  max ${loaded.max}  (${loaded.samples} probes)`,
    )
    console.log(
      `    heavy queries: ${[...heavy].map(([outcome, count]) => `${outcome} ${count}`).join(', ')}; limit ${options.maxExecutionSeconds} s`,
    )
  } finally {
    await rm(dataDir, { recursive: true, force: true })
  }
}

/** A tenant, its widget key and an analyst, through the CLI (which reaches the running server). */
async function benchTenant(slug: string, env: Record<string, string>): Promise<BenchTenant> {
  const created = JSON.parse(await runTs('bin/comerix.ts', ['tenant:create', slug, '--json'], env)) as {
    tenant: { id: string }
  }
  const widgetKey = JSON.parse(
    await runTs(
      'bin/comerix.ts',
      ['widget-key:create', '--tenant', slug, '--all-intents', `--allowed-origin=${ORIGIN}`, '--json'],
      env,
    ),
  ) as { publicKey: string }
  const analyst = JSON.parse(
    await runTs('bin/comerix.ts', ['analyst:create', '--tenant', slug, 'bench', '--json'], env),
  ) as { key: string }
  return { id: created.tenant.id, publicKey: widgetKey.publicKey, analystKey: analyst.key }
}

const beacon = (url: string, publicKey: string, body: string) =>
  fetch(`${url}/v1/telemetry`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN, 'x-comerix-public-key': publicKey },
    body,
  })

async function sendEvents(url: string, publicKey: string, count: number): Promise<void> {
  const bodies = new BenchBodies()
  for (let sent = 0; sent < count; sent += 500) {
    const response = await beacon(url, publicKey, bodies.batch(sent, Math.min(500, count - sent)).json)
    if (response.status !== 202)
      throw new Error(`POST /v1/telemetry answered ${response.status}: ${await response.text()}`)
  }
}

async function rate(options: AnalystSqlOptions, call: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < options.warmup; i += 1) await call()
  const started = performance.now()
  for (let i = 0; i < options.requests; i += 1) await call()
  return options.requests / ((performance.now() - started) / 1000)
}

interface Freshness {
  samples: number
  p50: number
  p99: number
  max: number
}

/** One `widget.loaded` beacon at a time; how long until the dashboards' engagement API counts it. */
async function freshness(url: string, probe: BenchTenant, seconds: number): Promise<Freshness> {
  const impressions = async () => {
    const day = new Date().toISOString().slice(0, 10)
    const response = await fetch(
      `${url}/v1/analytics/engagement?from=${day}&to=${day}&timezone=UTC&granularity=total&metrics=impressions`,
      { headers: { authorization: `Bearer ${probe.analystKey}` } },
    )
    const body = (await response.json()) as {
      totals?: Array<{ impressions?: number }>
      rows?: Array<{ impressions?: number }>
    }
    return Number((body.totals?.[0] ?? body.rows?.[0])?.impressions ?? 0)
  }
  const samples: number[] = []
  let seen = await impressions()
  const until = performance.now() + seconds * 1000
  while (performance.now() < until) {
    const response = await beacon(
      url,
      probe.publicKey,
      JSON.stringify({
        type: 'widget.loaded',
        event_id: randomUUID(),
        ts: Date.now(),
        anonymous_id: 'probe',
      }),
    )
    if (response.status !== 202) throw new Error(`probe beacon answered ${response.status}`)
    const acked = performance.now()
    for (;;) {
      const now = await impressions()
      if (now > seen) {
        seen = now
        break
      }
      await sleep(10)
    }
    samples.push(performance.now() - acked)
  }
  samples.sort((a, b) => a - b)
  const at = (q: number) =>
    Math.round(samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0)
  return { samples: samples.length, p50: at(0.5), p99: at(0.99), max: Math.round(samples.at(-1) ?? 0) }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}
