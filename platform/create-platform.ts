import { readFileSync } from 'node:fs'
import { rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Registry } from 'prom-client'
import { type ClickHouse, createClickHouse } from './clickhouse/create-clickhouse.ts'
import { createDb, type Db } from './clickhouse/db.ts'
import { migrate } from './clickhouse/migrate.ts'
import type { Config } from './config/config.ts'
import { createEventLog } from './event-log/create-event-log.ts'
import type { EventLog } from './event-log/event-log.ts'
import { makePrivateDir } from './fs/private-files.ts'
import { type ComerixServer, createServer } from './http/create-server.ts'
import { registerHealthRoutes } from './http/health.routes.ts'
import { createMetricsRegistry, registerMetricsRoute } from './http/metrics.routes.ts'
import { createLogger, type Logger } from './log/logger.ts'
import { createStateStore } from './state/create-state-store.ts'
import type { StateStore } from './state/state-store.ts'
import { adminSessionRoutes } from './tenancy/admin-session.routes.ts'
import { ADMIN_SESSION_TTL_MS, AdminSessions } from './tenancy/admin-sessions.ts'
import { operatorRoutes } from './tenancy/operator.routes.ts'
import { createOperatorApi, type OperatorApi } from './tenancy/operator-api.ts'
import { loadOperatorToken } from './tenancy/operator-token.ts'
import { tenancyRoutes } from './tenancy/tenancy.routes.ts'
import { TenancyService } from './tenancy/tenancy-service.ts'

export const VERSION: string = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
).version

/** Everything the domains build on: stores, the event log, tenancy and the HTTP server. */
export interface Platform {
  config: Config
  logger: Logger
  clickhouse: ClickHouse
  db: Db
  state: StateStore
  eventLog: EventLog
  tenancy: TenancyService
  operator: OperatorApi
  server: ComerixServer
  metrics: Registry
  /** The credential operator routes require (domains mount their own operator routes with it). */
  operatorToken: string
  /** Runs on close, last registered first, before the stores close. */
  onClose(hook: () => Promise<void>): void
  /** Starts listening; returns the base URL. */
  listen(): Promise<string>
  close(): Promise<void>
}

export const serverInfoPath = (dataDir: string): string => path.join(dataDir, 'server.json')

export async function createPlatform(config: Config, logger = createLogger(config)): Promise<Platform> {
  // Private: ClickHouse (events, uploads, report files), state and keys all live below it.
  await makePrivateDir(config.dataDir)
  const clickhouse = await createClickHouse(config)
  const db = createDb(clickhouse)
  const state = await createStateStore(config, logger)
  const eventLog = await createEventLog(config, logger)
  logger.info(
    {
      clickhouse:
        clickhouse.mode === 'embedded'
          ? `chdb (${path.join(config.dataDir, 'clickhouse')})`
          : config.clickhouse.url,
      eventLog: eventLog.kind,
      state: state.kind,
      roles: config.roles,
    },
    'adapters',
  )

  const runMigrations = () => migrate({ clickhouse, state, logger })
  await runMigrations()

  const tenancy = new TenancyService(db, state)
  await tenancy.start()
  const operator = createOperatorApi(tenancy, runMigrations)

  const server = await createServer({
    logger,
    version: VERSION,
    trustProxy: config.trustProxy,
    timeouts: config.http,
  })
  const metrics = createMetricsRegistry()
  registerMetricsRoute(server, metrics)
  registerHealthRoutes(server, {
    clickhouse: () => db.ping(),
    eventLog: () => eventLog.ping(),
    state: () => state.ping(),
  })
  const operatorToken = await loadOperatorToken(config)
  // The admin panel's cookie session, attached before any route's auth hook looks for a credential.
  const adminSessions = new AdminSessions(state, ADMIN_SESSION_TTL_MS)
  server.addHook('onRequest', adminSessions.resolveHook())
  await server.register(adminSessionRoutes(tenancy, adminSessions, operatorToken, ADMIN_SESSION_TTL_MS), {
    prefix: '/v1/admin/session',
  })
  await server.register(operatorRoutes(operator, operatorToken), { prefix: '/v1/operator' })
  await server.register(tenancyRoutes(tenancy), { prefix: '/v1/admin' })

  const closeHooks: Array<() => Promise<void>> = []
  let listening = false

  return {
    config,
    logger,
    clickhouse,
    db,
    state,
    eventLog,
    tenancy,
    operator,
    server,
    metrics,
    operatorToken,
    onClose: (hook) => closeHooks.push(hook),
    async listen() {
      const url = await server.listen({ port: config.port, host: config.host })
      listening = true
      if (clickhouse.mode === 'embedded') {
        await writeFile(serverInfoPath(config.dataDir), JSON.stringify({ url, pid: process.pid }))
      }
      logger.info({ url, docs: `${url}/docs` }, 'listening')
      return url
    },
    async close() {
      // Stop taking requests and drain the ones in flight, then stop the domains' loops, then the stores.
      await server.close()
      if (listening && clickhouse.mode === 'embedded')
        await rm(serverInfoPath(config.dataDir), { force: true })
      for (const hook of closeHooks.reverse()) await hook()
      await tenancy.stop()
      await eventLog.close()
      await state.close()
      await clickhouse.client.close()
    },
  }
}
