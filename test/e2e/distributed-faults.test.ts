import { execFile } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { createClickHouse } from '../../platform/clickhouse/create-clickhouse.ts'
import { createDb } from '../../platform/clickhouse/db.ts'
import { type BeaconLoad, startBeaconLoad } from '../support/beacon-load.ts'
import { type ChatLoad, startChatLoad } from '../support/chat-load.ts'
import { type ClickHouseHttpServer, startClickHouseHttpServer } from '../support/clickhouse-http-server.ts'
import { type ComerixProcess, startComerixProcess } from '../support/comerix-process.ts'
import { jsonApi } from '../support/json-api.ts'
import { scrapeMetrics, waitForSinkToCatchUp } from '../support/prometheus.ts'
import { serviceUrl, skipNotice } from '../support/services.ts'
import { tempDir } from '../support/temp-dir.ts'
import { waitFor } from '../support/wait-for.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const ORIGIN = 'https://faults.example'
const SECRET = 'faults-secret-faults-secret-faults-0'
/** Progress each phase waits for before the next fault: beacons acknowledged, chats completed. */
const STEP_EVENTS = 300
const STEP_CHATS = 2
/** 503s each outage must show before the dependency comes back. */
const OUTAGE_503S = 3
const run = promisify(execFile)
const startedAt = Date.now()
const log = (message: string) =>
  console.info(`[distributed faults +${Math.round((Date.now() - startedAt) / 1000)}s] ${message}`)

// The test runs its own Redis and Kafka (it stops them); the shared ones only say the machine has them.
const available = Boolean(serviceUrl('redis') && serviceUrl('kafka'))

const FLOW = {
  intent: 'checkout',
  name: 'checkout',
  start: 'hello',
  variables: { name: null },
  nodes: [
    { id: 'hello', type: 'message', blocks: [{ kind: 'text', markdown: 'one moment' }], next: 'pause' },
    { id: 'pause', type: 'delay', seconds: 0.5, next: 'ask' },
    {
      id: 'ask',
      type: 'ask',
      prompt: 'Your name?',
      input: { kind: 'form', fields: [{ name: 'name', label: 'Name', type: 'text', required: true }] },
      next: 'bye',
    },
    { id: 'bye', type: 'end', message: 'Thanks {{name}}' },
  ],
}

/**
 * Distributed mode under faults: two `api`, two `sink` and two `worker` processes share one Kafka, one
 * Redis and one ClickHouse (embedded chdb served over ClickHouse's HTTP interface by this test process:
 * no ClickHouse server can run here, and chdb admits one process per data directory). During a beacon
 * load and chat traffic, the Kafka broker goes down and comes back, then the Redis server, then one
 * process of each role is killed with SIGKILL. Every event answered 202 must be stored exactly once,
 * every chat must complete, and while a dependency is down clients get 503 `not_ready` (retryable),
 * never a 500 or a hang.
 */
describe.skipIf(!available)(
  `distributed mode under faults${available ? '' : ` (${skipNotice('kafka')})`}`,
  () => {
    const processes: ComerixProcess[] = []
    let services: PrivateServices | undefined
    let clickhouse: ClickHouseHttpServer | undefined

    afterAll(async () => {
      await Promise.all(processes.map((child) => child.stop('SIGKILL')))
      await services?.stop()
      await clickhouse?.close()
    })

    it('loses and doubles no accepted event, completes every chat, answers 503 while Kafka or Redis is down', {
      timeout: 600_000,
    }, async () => {
      services = await startPrivateServices(await tempDir('comerix-faults-services-'))
      clickhouse = await startClickHouseHttpServer(
        path.join(await tempDir('comerix-faults-ch-'), 'clickhouse'),
      )
      const env = {
        CLICKHOUSE_URL: clickhouse.url,
        KAFKA_BROKERS: services.kafka,
        REDIS_URL: services.redis,
        COMERIX_SECRET: SECRET,
        KAFKA_TOPIC_PREFIX: `faults-${process.pid}.`,
        REDIS_KEY_PREFIX: `faults-${process.pid}:`,
        SINK_BATCH_WAIT_MS: '100',
        SINK_BATCH_ROWS: '2000',
        // One IP and one key send everything; limits are not what this test is about.
        INGEST_RATE_LIMIT_PER_IP: '1000000',
        INGEST_RATE_LIMIT_PER_KEY: '1000000',
        CHAT_RATE_LIMIT_PER_SESSION: '1000',
      }
      const start = async (name: string, roles: string) => {
        const child = await startComerixProcess(name, { ...env, ROLES: roles, DATA_DIR: await tempDir() })
        processes.push(child)
        return child
      }
      // The first process migrates; the others find the schema in place.
      const api1 = await start('api-1', 'api')
      const [api2, sink1, sink2, worker1, worker2] = await Promise.all([
        start('api-2', 'api'),
        start('sink-1', 'sink'),
        start('sink-2', 'sink'),
        start('worker-1', 'worker'),
        start('worker-2', 'worker'),
      ])
      const { tenantId, publicKey } = await setUpTenant(api1.url)
      log('six processes up, tenant ready')

      const apis = [api1, api2]
      const liveApis = () => apis.filter((child) => !child.exited).map((child) => child.url)
      const beaconErrors: Array<{ status: number; body: string }> = []
      const beacons = apis.map((api) =>
        startBeaconLoad({
          url: api.url,
          publicKey,
          origin: ORIGIN,
          senders: 3,
          requestTimeoutMs: 30_000,
          onAnswer: (status, body) => {
            if (status !== 202) beaconErrors.push({ status, body })
          },
        }),
      )
      const chats = startChatLoad({
        apis: liveApis,
        publicKey,
        origin: ORIGIN,
        intent: 'checkout',
        values: { name: 'Ada' },
        agents: 4,
      })
      const accepted = () => beacons.reduce((sum, load) => sum + load.accepted.size, 0)
      const beacon503s = () => beaconErrors.filter(({ status }) => status === 503).length
      const chat503s = () => chats.serverErrors.filter(({ status }) => status === 503).length
      const progress = async (phase: string) => {
        const events = accepted() + STEP_EVENTS
        const done = chats.completed.size + STEP_CHATS
        await waitFor(() => accepted() >= events && chats.completed.size >= done, {
          timeoutMs: 180_000,
          intervalMs: 100,
          message: `${phase}: ${STEP_EVENTS} more events acknowledged and ${STEP_CHATS} more chats completed`,
        })
        log(`${phase}: ${accepted()} events acknowledged, ${chats.completed.size} chats completed`)
      }
      const outage = async (service: 'kafka' | 'redis', seen503s: () => number) => {
        const before = seen503s()
        await services?.down(service)
        try {
          await waitFor(() => seen503s() >= before + OUTAGE_503S, {
            timeoutMs: 60_000,
            intervalMs: 50,
            message: `${OUTAGE_503S} answers 503 while ${service} is down`,
          })
        } finally {
          await services?.up(service)
        }
        log(`${service} back after ${seen503s() - before} answers 503`)
        return seen503s() - before
      }

      try {
        await progress('warm-up')
        const kafka503s = await outage('kafka', beacon503s)
        await progress('after the Kafka restart')
        const redis503s = await outage('redis', () => beacon503s() + chat503s())
        await progress('after the Redis restart')
        const killed = [api1, sink1, worker1]
        await Promise.all(killed.map((child) => child.stop('SIGKILL')))
        log('killed api-1, sink-1 and worker-1')
        await progress('after one api, one sink and one worker were killed')
        await Promise.all(beacons.map((load) => load.stop()))
        await chats.stop()
        log('load stopped; waiting for the sink')
        await waitForSinkToCatchUp(sink2.url, 120_000)

        const stored = await readStored(clickhouse.url, tenantId)
        const acceptedIds = new Set(beacons.flatMap((load) => [...load.accepted]))
        const sentIds = new Set(beacons.flatMap((load) => [...load.sent]))
        report({ beacons, chats, acceptedIds, sentIds, stored, kafka503s, redis503s, beaconErrors })

        expect(
          [...stored].filter(([, copies]) => copies !== 1),
          'events stored more than once',
        ).toEqual([])
        expect(
          [...acceptedIds].filter((id) => !stored.has(id)),
          'acknowledged but not stored',
        ).toEqual([])
        const serverErrors = [
          ...beaconErrors.filter(({ status }) => status >= 500),
          ...chats.serverErrors,
        ].map(({ status, body }) => ({ status, ...errorOf(body) }))
        expect(
          serverErrors.filter(
            (error) => error.status !== 503 || error.code !== 'not_ready' || !error.retryable,
          ),
          'server errors other than 503 not_ready (retryable)',
        ).toEqual([])
        expect(beacons.reduce((sum, load) => sum + load.hangs, 0) + chats.hangs, 'requests that hung').toBe(0)
        expect([...chats.unexpected], 'chats that did not complete').toEqual([])
        expect(
          [...chats.started].filter((id) => !chats.completed.has(id)),
          'chats left unfinished',
        ).toEqual([])
        for (const survivor of [api2, sink2, worker2]) expect(survivor.exited, survivor.name).toBe(false)
        for (const dead of killed) expect((await dead.stop()).signal, dead.name).toBe('SIGKILL')
        expect(await readyz(api2.url)).toBe(200)
        expect((await scrapeMetrics(worker2.url)).length).toBeGreaterThan(0)
      } catch (error) {
        for (const child of processes)
          console.error(`--- ${child.name} output (tail) ---\n${child.output().slice(-4_000)}`)
        throw error
      } finally {
        await Promise.all(beacons.map((load) => load.stop()))
        await chats.stop()
      }
    })
  },
)

interface PrivateServices {
  redis: string
  kafka: string
  down(service: 'redis' | 'kafka'): Promise<void>
  up(service: 'redis' | 'kafka'): Promise<void>
  stop(): Promise<void>
}

/** Redis and Kafka of this test alone (ops/services.sh in its own directory), so it may stop them. */
async function startPrivateServices(dir: string): Promise<PrivateServices> {
  const sharedJars = path.join(ROOT, 'ops/.services/kafka-libs')
  const env = {
    ...process.env,
    COMERIX_SERVICES_DIR: dir,
    ...(existsSync(sharedJars) ? { COMERIX_KAFKA_LIBS: sharedJars } : {}),
  }
  const services = (...args: string[]) =>
    run('bash', ['ops/services.sh', ...args], { cwd: ROOT, env, maxBuffer: 1 << 20 })
  const { stdout } = await services('start')
  const value = (name: string) => {
    const match = new RegExp(`^export ${name}=(.+)$`, 'm').exec(stdout)
    if (!match?.[1]) throw new Error(`ops/services.sh start printed no ${name}:\n${stdout}`)
    return match[1]
  }
  return {
    redis: value('REDIS_URL'),
    kafka: value('KAFKA_BROKERS'),
    down: async (service) => void (await services('down', service)),
    up: async (service) => void (await services('up', service)),
    stop: async () => void (await services('stop')),
  }
}

/** A tenant, an all-intents widget key and the published checkout flow, through the operator and admin APIs. */
async function setUpTenant(base: string): Promise<{ tenantId: string; publicKey: string }> {
  const api = jsonApi(() => base, ORIGIN)
  const operator = {
    'x-comerix-operator-token': createHmac('sha256', SECRET).update('comerix-operator').digest('hex'),
  }
  const created = await api('POST', '/v1/operator/tenants', { slug: 'faults-shop' }, operator)
  expect(created.status, JSON.stringify(created.body)).toBe(201)
  const key = await api(
    'POST',
    '/v1/operator/tenants/faults-shop/widget-keys',
    { allowedOrigins: [ORIGIN], allIntents: true },
    operator,
  )
  expect(key.status, JSON.stringify(key.body)).toBe(201)
  const admin = { authorization: `Bearer ${created.body.adminKey.key}` }
  const flow = await api('POST', '/v1/admin/flows', FLOW, admin)
  expect(flow.status, JSON.stringify(flow.body)).toBe(201)
  const published = await api('POST', `/v1/admin/flows/${flow.body.flowId}/publish`, undefined, admin)
  expect(published.status, JSON.stringify(published.body)).toBe(200)
  return { tenantId: created.body.tenant.id, publicKey: key.body.publicKey }
}

/** Copies of each event of the tenant, as a query sees them (no FINAL). */
async function readStored(url: string, tenantId: string): Promise<Map<string, number>> {
  const clickhouse = await createClickHouse({
    dataDir: ROOT,
    clickhouse: { url, user: 'default', password: '', database: 'comerix', cluster: undefined },
  })
  try {
    const rows = await createDb(clickhouse).select<{ event_id: string; copies: string }>(
      `SELECT toString(event_id) AS event_id, count() AS copies FROM comerix.events
       WHERE tenant_id = {tenantId:UUID} GROUP BY event_id`,
      { tenantId },
    )
    return new Map(rows.map((row) => [row.event_id, Number(row.copies)]))
  } finally {
    await clickhouse.client.close()
  }
}

async function readyz(base: string): Promise<number> {
  return (await fetch(`${base}/readyz`)).status
}

function errorOf(body: string): { code?: string; retryable?: boolean } {
  try {
    const { error } = JSON.parse(body) as { error?: { code?: string; retryable?: boolean } }
    return { code: error?.code, retryable: error?.retryable }
  } catch {
    return { code: `unparsable: ${body.slice(0, 200)}` }
  }
}

function report(seen: {
  beacons: BeaconLoad[]
  chats: ChatLoad
  acceptedIds: Set<string>
  sentIds: Set<string>
  stored: Map<string, number>
  kafka503s: number
  redis503s: number
  beaconErrors: Array<{ status: number; body: string }>
}): void {
  const statuses = new Map<number, number>()
  for (const load of seen.beacons)
    for (const [status, n] of load.statuses) statuses.set(status, (statuses.get(status) ?? 0) + n)
  const storedBeacons = [...seen.sentIds].filter((id) => seen.stored.has(id)).length
  console.info(
    `[distributed faults] beacon requests by status: ${JSON.stringify(Object.fromEntries(statuses))}, ` +
      `unanswered: ${seen.beacons.reduce((sum, load) => sum + load.failedRequests, 0)}; ` +
      `events sent: ${seen.sentIds.size}, acknowledged: ${seen.acceptedIds.size}, stored: ${storedBeacons} ` +
      `(all events of the tenant incl. engine events: ${seen.stored.size}); ` +
      `503 during the Kafka outage: ${seen.kafka503s}, during the Redis outage: ${seen.redis503s}; ` +
      `chats started: ${seen.chats.started.size}, completed: ${seen.chats.completed.size}, ` +
      `chat answers: ${JSON.stringify(Object.fromEntries(seen.chats.statuses))}, ` +
      `chat requests unanswered: ${seen.chats.failedRequests}`,
  )
}
