import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { stringify } from 'csv-stringify/sync'
import { pino } from 'pino'
import type { ClickHouse } from '../../platform/clickhouse/create-clickhouse.ts'
import { createDb, type Db } from '../../platform/clickhouse/db.ts'
import { migrate } from '../../platform/clickhouse/migrate.ts'
import { createSecretBox } from '../../platform/crypto/secret-box.ts'
import { verifyWebhook } from '../../platform/crypto/webhook-signature.ts'
import { createServer } from '../../platform/http/create-server.ts'
import type { StateStore } from '../../platform/state/state-store.ts'
import { TenancyService } from '../../platform/tenancy/tenancy-service.ts'
import { artifactRoutes } from '../../reports/delivery/artifact.routes.ts'
import type { ReportRunner } from '../../reports/schedule/report-runner.ts'
import { scheduleRoutes } from '../../reports/schedule/schedule.routes.ts'
import { ScheduleService } from '../../reports/schedule/schedule-service.ts'
import { createScheduler, type Scheduler } from '../../reports/schedule/scheduler.ts'

export const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' })

/** A clock the test moves by hand, so nothing waits for real time to pass. */
export interface TestClock {
  now(): number
  set(iso: string | number): void
}

export function testClock(start: string | number): TestClock {
  let current = typeof start === 'number' ? start : Date.parse(start)
  return {
    now: () => current,
    set: (at) => {
      current = typeof at === 'number' ? at : Date.parse(at)
    },
  }
}

/** A real report: a small query on the same chdb, rendered as CSV and handed over as a stream. */
export function squaresReport(db: Db): ReportRunner {
  return {
    exists: async (_tenantId, reportId) => reportId === 'squares',
    async run(_tenantId, reportId, format) {
      if (reportId !== 'squares' || format !== 'csv')
        throw new Error(`no ${format} rendering of "${reportId}"`)
      const rows = await db.select<{ n: number; square: number }>(
        'SELECT toUInt32(number) AS n, toUInt32(number * number) AS square FROM numbers(3)',
        {},
      )
      return {
        body: Readable.from([Buffer.from(stringify(rows, { header: true }))]),
        contentType: 'text/csv; charset=utf-8',
        filename: 'squares.csv',
        rows: rows.length,
      }
    },
  }
}

export const SQUARES_CSV = 'n,square\n0,0\n1,1\n2,4\n'

export interface Delivery {
  headers: IncomingHttpHeaders
  body: Buffer
  signatureValid: boolean
}

/**
 * A loopback endpoint that checks each request's Standard Webhooks signature with the schedule's
 * secret and answers with the next scripted status (200 once the script runs out).
 */
export async function startReceiver(statuses: number[] = []) {
  const script = [...statuses]
  const deliveries: Delivery[] = []
  let secret = ''
  const server = createHttpServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const body = Buffer.concat(chunks)
      const signatureValid = verifyWebhook(
        secret,
        request.headers,
        body,
        Math.floor(Date.now() / 1000),
        10 ** 10,
      )
      deliveries.push({ headers: request.headers, body, signatureValid })
      response.statusCode = signatureValid ? (script.shift() ?? 200) : 401
      response.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/reports`,
    deliveries,
    useSecret: (value: string) => {
      secret = value
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

export interface World {
  db: Db
  state: StateStore
  clock: TestClock
  schedules: ScheduleService
  scheduler: Scheduler
  tenancy: TenancyService
  app: Awaited<ReturnType<typeof createServer>>
  close(): Promise<void>
}

export const secretBox = createSecretBox(Buffer.alloc(32, 7))

/**
 * One scheduler process's services over `clickhouse` and `state`; `migrateFirst` applies migrations
 * (the first process of a database does it). Delivery retries wait 1 ms.
 */
export async function createWorld(options: {
  clickhouse: ClickHouse
  state: StateStore
  clock: TestClock
  migrateFirst?: boolean
}): Promise<World> {
  const { clickhouse, state, clock } = options
  if (options.migrateFirst ?? true) await migrate({ clickhouse, state, logger })
  const db = createDb(clickhouse)
  const tenancy = new TenancyService(db, state)
  await tenancy.start()
  const reports = squaresReport(db)
  const schedules = new ScheduleService({ db, state, secretBox, reports, clock, allowPrivateNetworks: true })
  await schedules.start()
  const scheduler = createScheduler({
    db,
    state,
    schedules,
    reports,
    clock,
    logger,
    delivery: {
      policy: { allowPrivateNetworks: true },
      maxAttempts: 4,
      backoffMs: () => 1,
      timeoutMs: 5_000,
    },
    artifactRetentionMs: 7 * 24 * 60 * 60_000,
    maxReportBytes: 1_048_576,
    pollIntervalMs: 20,
  })
  const app = await createServer({ logger, version: 'test' })
  await app.register(scheduleRoutes(schedules, tenancy), { prefix: '/v1/admin' })
  await app.register(artifactRoutes(db, clock), { prefix: '/v1/reports' })
  await app.ready()
  return {
    db,
    state,
    clock,
    schedules,
    scheduler,
    tenancy,
    app,
    async close() {
      await scheduler.stop()
      await app.close()
      await schedules.stop()
      await tenancy.stop()
    },
  }
}

/** A new tenant and a caller of the admin API with its admin key. */
export async function adminOf(world: World, slug: string) {
  const { tenant, adminKey } = await world.tenancy.createTenant({ slug })
  const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: object) => {
    const response = await world.app.inject({
      method,
      url: `/v1/admin${url}`,
      headers: { authorization: `Bearer ${adminKey.key}` },
      ...(body === undefined ? {} : { payload: body }),
    })
    return { status: response.statusCode, body: response.body === '' ? undefined : response.json() }
  }
  return { tenantId: tenant.id, call }
}
