import { createDashboards } from '../dashboards/create-dashboards.ts'
import type { DashboardService } from '../dashboards/dashboard-service.ts'
import { createDemo } from '../demo/create-demo.ts'
import type { DemoOperator } from '../demo/demo-operator.ts'
import type { DemoGenerator } from '../demo/generate/demo-generator.ts'
import { createEngine, type Engine } from '../engine/create-engine.ts'
import { conversionRoutes } from '../ingest/conversions/conversion.routes.ts'
import { conversionSettingsRoutes } from '../ingest/conversions/conversion-settings.routes.ts'
import { ConversionSettingsService } from '../ingest/conversions/conversion-settings.ts'
import { loadEmailHasher } from '../ingest/conversions/email-hasher.ts'
import { EventPublisher } from '../ingest/event-publisher.ts'
import { createIngestMetrics } from '../ingest/ingest-metrics.ts'
import { EventSink } from '../ingest/sink/event-sink.ts'
import { telemetryRoutes } from '../ingest/telemetry.routes.ts'
import { createMcp, type Mcp } from '../mcp/create-mcp.ts'
import type { Config } from '../platform/config/config.ts'
import { createPlatform, type Platform } from '../platform/create-platform.ts'
import { loadSecretBox } from '../platform/crypto/secret-box.ts'
import { Idempotency } from '../platform/http/idempotency.ts'
import { RateLimiter } from '../platform/http/rate-limit.ts'
import type { Logger } from '../platform/log/logger.ts'
import { type AnalystSql, createAnalystSql } from '../reports/analyst-sql/create-analyst-sql.ts'
import { createReports, type Reports } from '../reports/create-reports.ts'

export interface App extends Platform {
  publisher: EventPublisher
  sink: EventSink | undefined
  engine: Engine
  reports: Reports
  dashboards: DashboardService
  demo: DemoOperator
  demoGenerator: DemoGenerator
  /** SQL analysts: the ClickHouse HTTP endpoint (started by listen) and analyst:* operations. */
  analystSql: AnalystSql
  /** MCP: `/mcp` (Streamable HTTP) and servers for the stdio entry (`comerix mcp`). */
  mcp: Mcp
}

export interface AppOptions {
  /** `comerix serve --demo`: also serve the mock shop API the demo tenant's `shop` connection calls. */
  demo?: boolean
}

/** The composition root: builds the platform, then mounts each domain the configured roles need. */
export async function createApp(config: Config, logger?: Logger, options: AppOptions = {}): Promise<App> {
  const platform = await createPlatform(config, logger)
  const { roles } = config
  const ingestMetrics = createIngestMetrics(platform.metrics, platform.eventLog)
  const publisher = new EventPublisher(platform.eventLog)
  const rateLimiter = new RateLimiter(platform.state)

  if (roles.includes('api')) {
    await platform.server.register(
      telemetryRoutes({
        tenancy: platform.tenancy,
        publisher,
        rateLimiter,
        metrics: ingestMetrics,
        config: config.ingest,
      }),
    )
    await platform.server.register(
      conversionRoutes({
        tenancy: platform.tenancy,
        publisher,
        idempotency: new Idempotency(platform.state),
        emailHasher: await loadEmailHasher(config),
      }),
    )
    await platform.server.register(
      conversionSettingsRoutes(new ConversionSettingsService(platform.db), platform.tenancy),
    )
  }

  const engine = await createEngine(platform, publisher, rateLimiter)
  const reports = await createReports(platform)
  const dashboards = await createDashboards(platform, reports)
  const analystSql = await createAnalystSql(platform, roles.includes('api'))
  const mcp = await createMcp(platform, {
    engine,
    reports,
    dashboards,
    analystSql,
    baseUrl: () => ownUrl(platform, config),
  })

  const { demo, demoGenerator } = await createDemo({
    platform,
    engine,
    reports,
    dashboards,
    publisher,
    secretBox: await loadSecretBox(config),
    baseUrl: () => ownUrl(platform, config),
    api: roles.includes('api'),
    shop: Boolean(options.demo),
  })

  let sink: EventSink | undefined
  if (roles.includes('sink')) {
    sink = new EventSink({
      eventLog: platform.eventLog,
      db: platform.db,
      logger: platform.logger.child({ role: 'sink' }),
      metrics: ingestMetrics,
      batchRows: config.sink.batchRows,
      batchWaitMs: config.sink.batchWaitMs,
    })
    await sink.start()
    const running = sink
    platform.onClose(() => running.stop())
  }

  // The analysts' endpoint listens with the API, on its own port (ANALYST_SQL_PORT).
  const listen = async () => {
    const url = await platform.listen()
    if (roles.includes('api')) await analystSql.listen()
    return url
  }
  return {
    ...platform,
    listen,
    publisher,
    sink,
    engine,
    reports,
    dashboards,
    demo,
    demoGenerator,
    analystSql,
    mcp,
  }
}

/** The listening address once the server listens (any-address binds answer on loopback), else the configured one. */
function ownUrl(platform: Platform, config: Config): string {
  const address = platform.server.addresses().find((entry) => typeof entry !== 'string')
  const unspecified = (host: string) => host === '0.0.0.0' || host === '::' || host === ''
  if (address === undefined || typeof address === 'string')
    return `http://${unspecified(config.host) ? '127.0.0.1' : config.host}:${config.port || 3000}`
  const host = unspecified(address.address)
    ? '127.0.0.1'
    : address.family === 'IPv6'
      ? `[${address.address}]`
      : address.address
  return `http://${host}:${address.port}`
}
