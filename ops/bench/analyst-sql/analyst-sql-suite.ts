import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import path from 'node:path'
import { createClient } from '@clickhouse/client'
import { type App, createApp } from '../../../bin/create-app.ts'
import { eventRow } from '../../../ingest/server-event.ts'
import { loadConfig } from '../../../platform/config/config.ts'
import { ROOT } from '../support/processes.ts'
import { note } from '../support/progress.ts'
import { type AnalystSqlOptions, parseAnalystSqlOptions } from './analyst-sql-options.ts'

const TYPES = ['page.viewed', 'widget.loaded', 'chat.message.received', 'llm.call', 'conversion']
const SMALL_AGGREGATE =
  'SELECT type, count() AS n FROM events WHERE ts >= {from:DateTime64(3)} GROUP BY type ORDER BY type'
/** An analyst's heavy query: a cross join that runs until the endpoint's time limit stops it. */
const HEAVY =
  'SELECT count() FROM events AS e CROSS JOIN numbers(1000000) AS n WHERE cityHash64(e.event_id, n.number) % 1000003 = 1'

/**
 * `npm run bench -- analyst-sql`: in one process (chdb admits one per data directory), queries per second of a
 * small aggregate through the analyst endpoint (@clickhouse/client over HTTP, parsed, checked and tenant-scoped)
 * against the same aggregate through the product's own query helper (the floor), and ingest freshness (publish
 * to queryable) idle and while an analyst's heavy query runs back to back.
 */
export async function runAnalystSqlSuite(argv: string[]): Promise<void> {
  const options = parseAnalystSqlOptions(argv)
  const dataDir = await mkdtemp(path.join(ROOT, '.tmp', 'bench-analyst-sql-'))
  const app = await createApp(
    loadConfig({
      DATA_DIR: dataDir,
      PORT: '0',
      ANALYST_SQL_PORT: '0',
      LOG_LEVEL: 'warn',
      SINK_BATCH_WAIT_MS: '20',
      ANALYST_SQL_MAX_EXECUTION_SECONDS: String(options.maxExecutionSeconds),
      ANALYST_SQL_MAX_CONCURRENT: '4',
    }),
  )
  try {
    await app.listen()
    const url = app.analystSql.url()
    if (!url) throw new Error('the analyst endpoint did not start')
    const { tenant } = await app.operator.createTenant({ slug: 'bench-analyst' })
    const analyst = await app.analystSql.operator.createAnalyst('bench-analyst', { name: 'bench' })
    note(`inserting ${options.events} events`)
    await seed(app, tenant.id, options.events)
    const client = createClient({
      url: url.replace('http://', `http://bench-analyst:${encodeURIComponent(analyst.key)}@`),
    })
    const from = '2026-01-01 00:00:00'
    note('timing the small aggregate through the endpoint and through the internal client')
    const endpoint = await rate(options, async () => {
      await (
        await client.query({ query: SMALL_AGGREGATE, query_params: { from }, format: 'JSONEachRow' })
      ).json()
    })
    const internalSql = `SELECT type, count() AS n FROM ${app.db.tables.events} WHERE tenant_id = {tenant:UUID} AND ts >= {from:DateTime64(3)} GROUP BY type ORDER BY type`
    const internal = await rate(options, () => app.db.select(internalSql, { tenant: tenant.id, from }))

    const probe = await app.operator.createTenant({ slug: 'bench-probe' })
    note(`freshness, idle (${options.probeSeconds} s)`)
    const idle = await freshness(app, probe.tenant.id, options.probeSeconds)
    note(`freshness while the analyst runs the heavy query back to back (${options.probeSeconds} s)`)
    let loading = true
    let heavyRuns = 0
    const outcomes = new Map<string, number>()
    const load = (async () => {
      while (loading) {
        const started = performance.now()
        const outcome = await client
          .query({ query: HEAVY, format: 'JSONEachRow' })
          .then(async (result) => {
            await result.json()
            return 'finished'
          })
          .catch((error: { type?: string }) => error.type ?? 'error')
        heavyRuns += 1
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1)
        if (performance.now() - started < 50) await new Promise((resolve) => setTimeout(resolve, 50))
      }
    })()
    await new Promise((resolve) => setTimeout(resolve, 300))
    const loaded = await freshness(app, probe.tenant.id, options.probeSeconds)
    loading = false
    await load
    await client.close()

    console.log(`\nanalyst-sql bench (${options.events} events, ${options.requests} timed queries per path)`)
    console.log(`  small aggregate, internal client : ${internal.toFixed(1)} q/s`)
    console.log(`  small aggregate, analyst endpoint: ${endpoint.toFixed(1)} q/s`)
    console.log(`  ratio endpoint / internal        : ${(endpoint / internal).toFixed(3)}`)
    console.log('  ingest freshness (publish -> queryable), ms:')
    console.log(
      `    idle                      p50 ${idle.p50}  p99 ${idle.p99}  max ${idle.max}  (${idle.samples} probes)`,
    )
    console.log(
      `    under heavy analyst query p50 ${loaded.p50}  p99 ${loaded.p99}  max ${loaded.max}  (${loaded.samples} probes)`,
    )
    console.log(
      `    heavy queries: ${heavyRuns} (${[...outcomes].map(([outcome, count]) => `${outcome} ${count}`).join(', ')}), limit ${options.maxExecutionSeconds} s`,
    )
  } finally {
    await app.close()
    await rm(dataDir, { recursive: true, force: true })
  }
}

async function seed(app: App, tenantId: string, count: number): Promise<void> {
  const base = Date.parse('2026-02-01T00:00:00Z')
  for (let done = 0; done < count; done += 50_000) {
    const rows = Array.from({ length: Math.min(50_000, count - done) }, (_, i) =>
      eventRow(
        {
          tenant_id: tenantId,
          type: TYPES[(done + i) % TYPES.length] as 'page.viewed',
          ts: base + (done + i) * 1000,
          anonymous_id: `a${(done + i) % 5000}`,
        },
        'widget',
      ),
    )
    await app.db.insert('events', rows)
  }
}

/** Queries per second over `requests` sequential calls, after `warmup`. */
async function rate(options: AnalystSqlOptions, call: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < options.warmup; i += 1) await call()
  const started = performance.now()
  for (let i = 0; i < options.requests; i += 1) await call()
  return options.requests / ((performance.now() - started) / 1000)
}

/** Publishes one event at a time and waits until a query sees it; the distribution of those waits. */
async function freshness(app: App, tenantId: string, seconds: number) {
  const samples: number[] = []
  const until = performance.now() + seconds * 1000
  while (performance.now() < until) {
    const id = randomUUID()
    const started = performance.now()
    await app.publisher.publish([
      { ...eventRow({ tenant_id: tenantId, type: 'page.viewed', ts: Date.now() }, 'widget'), event_id: id },
    ])
    for (;;) {
      const [row] = await app.db.select<{ n: string }>(
        `SELECT count() AS n FROM ${app.db.tables.events} WHERE tenant_id = {tenant:UUID} AND event_id = {id:UUID}`,
        { tenant: tenantId, id },
      )
      if (Number(row?.n) > 0) break
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    samples.push(performance.now() - started)
  }
  samples.sort((a, b) => a - b)
  const at = (q: number) =>
    Math.round(samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0)
  return { samples: samples.length, p50: at(0.5), p99: at(0.99), max: Math.round(samples.at(-1) ?? 0) }
}
