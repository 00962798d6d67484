import { afterAll, describe, expect, it } from 'vitest'
import { createClickHouse } from '../../platform/clickhouse/create-clickhouse.ts'
import { createDb } from '../../platform/clickhouse/db.ts'
import { type BeaconLoad, startBeaconLoad } from '../support/beacon-load.ts'
import { type RunningServer, startServer } from '../support/cli.ts'
import { metricSum, scrapeMetrics, waitForSinkToCatchUp } from '../support/prometheus.ts'
import { tempDir } from '../support/temp-dir.ts'
import { waitFor } from '../support/wait-for.ts'
import { createWidgetKey } from '../support/widget-key.ts'

const ORIGIN = 'https://shop.example'
/** Enough acknowledged requests that the kill lands in steady load, with appends and sink batches in flight. */
const KILL_AFTER_ACCEPTED_EVENTS = 1_500
const SENDERS = 12

/**
 * SIGKILL `comerix serve` during a load of beacons, restart it on the same data directory, and check
 * in ClickHouse that every 202'd event is stored exactly once. Run once per event-log adapter: `env`
 * picks it (nothing for the local log, KAFKA_BROKERS and friends for Kafka; undefined skips).
 *
 * chdb admits one process per data directory and one directory per process, so the test process
 * opens the server's ClickHouse only after the server exited, and each adapter runs in its own file.
 */
export function ingestCrashCases(name: string, env: Record<string, string> | undefined): void {
  describe.skipIf(env === undefined)(`ingest through ${name}, server killed under load`, () => {
    const servers: RunningServer[] = []
    afterAll(async () => {
      for (const server of servers) {
        if (server.process.exitCode === null && server.process.signalCode === null)
          await server.stop('SIGKILL')
      }
    })

    it('stores every 202-acknowledged event exactly once after a SIGKILL and a restart', {
      timeout: 300_000,
    }, async () => {
      const dataDir = await tempDir('comerix-crash-')
      const serverEnv = {
        ...env,
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        SINK_BATCH_WAIT_MS: '50',
        // The load comes from one IP and one key; the limits are not what this test is about.
        INGEST_RATE_LIMIT_PER_IP: '1000000',
        INGEST_RATE_LIMIT_PER_KEY: '1000000',
      }
      const first = await startServer(serverEnv)
      servers.push(first)
      const { tenantId, publicKey } = await createWidgetKey(serverEnv, 'crash-shop', ORIGIN)

      const load = startBeaconLoad({ url: first.url, publicKey, origin: ORIGIN, senders: SENDERS })
      await waitFor(() => load.accepted.size >= KILL_AFTER_ACCEPTED_EVENTS, {
        timeoutMs: 120_000,
        message: `${KILL_AFTER_ACCEPTED_EVENTS} events acknowledged`,
      })
      const inFlightAtKill = load.inFlight
      await first.stop('SIGKILL')
      await load.stop()
      expect(first.process.signalCode).toBe('SIGKILL')
      // Every answer the server gave before it died was a 202; the rest got no answer at all.
      expect([...load.statuses.keys()]).toEqual([202])

      const second = await startServer(serverEnv)
      servers.push(second)
      const lagAtRestart = metricSum(await scrapeMetrics(second.url), 'comerix_sink_consumer_lag')
      await waitForSinkToCatchUp(second.url, 120_000)
      const redelivered = metricSum(await scrapeMetrics(second.url), 'comerix_sink_events_deduplicated_total')
      expect(await second.stop('SIGTERM')).toBe(0)

      const stored = await readStoredEvents(dataDir, tenantId)
      const copies = new Map(stored.events.map(({ event_id, copies: n }) => [event_id, Number(n)]))
      const repeated = [...copies].filter(([, n]) => n !== 1)
      report(name, load, {
        inFlightAtKill,
        lagAtRestart,
        redelivered,
        stored: copies.size,
        repeated: repeated.length,
      })

      expect(repeated, 'event_ids stored more than once').toEqual([])
      expect(
        [...load.accepted].filter((id) => !copies.has(id)),
        'acknowledged but not stored',
      ).toEqual([])
      expect(
        [...copies.keys()].filter((id) => !load.sent.has(id)),
        'stored but never sent',
      ).toEqual([])
      expect(stored.otherTenants).toBe(0)
      expect(stored.deadLetters).toBe(0)
    })
  })
}

interface StoredEvents {
  events: Array<{ event_id: string; copies: string }>
  otherTenants: number
  deadLetters: number
}

/** Counts, as a query sees them (no FINAL, no waiting for merges), what the server stored. */
async function readStoredEvents(dataDir: string, tenantId: string): Promise<StoredEvents> {
  const clickhouse = await createClickHouse({
    dataDir,
    clickhouse: { url: undefined, user: 'default', password: '', database: 'comerix', cluster: undefined },
  })
  const db = createDb(clickhouse)
  try {
    const events = await db.select<{ event_id: string; copies: string }>(
      `SELECT toString(event_id) AS event_id, count() AS copies FROM ${db.tables.events}
       WHERE tenant_id = {tenantId:UUID} GROUP BY event_id`,
      { tenantId },
    )
    const [others] = await db.select<{ n: string }>(
      `SELECT count() AS n FROM ${db.tables.events} WHERE tenant_id != {tenantId:UUID}`,
      { tenantId },
    )
    const [deadLetters] = await db.select<{ n: string }>(
      `SELECT count() AS n FROM ${db.tables.events_dead_letter}`,
    )
    return { events, otherTenants: Number(others?.n), deadLetters: Number(deadLetters?.n) }
  } finally {
    await clickhouse.client.close()
  }
}

/** One line per run, printed before the assertions, so CI logs show what the kill interrupted. */
function report(
  name: string,
  load: BeaconLoad,
  seen: {
    inFlightAtKill: number
    lagAtRestart: number
    redelivered: number
    stored: number
    repeated: number
  },
): void {
  const unanswered = load.sent.size - load.accepted.size
  console.info(
    `[ingest crash, ${name}] requests answered 202: ${load.statuses.get(202)}, unanswered: ${load.failedRequests} ` +
      `(${seen.inFlightAtKill} in flight at the kill); events sent: ${load.sent.size}, acknowledged: ${load.accepted.size}, ` +
      `stored: ${seen.stored} ids (${seen.stored - load.accepted.size} of the ${unanswered} unacknowledged), ` +
      `${seen.repeated} of them more than once; ` +
      `after the restart the sink had ${seen.lagAtRestart} to catch up and dropped ${seen.redelivered} already stored`,
  )
}
