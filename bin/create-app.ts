import { createEngine, type Engine } from '../engine/create-engine.ts'
import { EventPublisher } from '../ingest/event-publisher.ts'
import { createIngestMetrics } from '../ingest/ingest-metrics.ts'
import { EventSink } from '../ingest/sink/event-sink.ts'
import { telemetryRoutes } from '../ingest/telemetry.routes.ts'
import type { Config } from '../platform/config/config.ts'
import { createPlatform, type Platform } from '../platform/create-platform.ts'
import { RateLimiter } from '../platform/http/rate-limit.ts'
import type { Logger } from '../platform/log/logger.ts'

export interface App extends Platform {
  publisher: EventPublisher
  sink: EventSink | undefined
  engine: Engine
}

/** The composition root: builds the platform, then mounts each domain the configured roles need. */
export async function createApp(config: Config, logger?: Logger): Promise<App> {
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
  }

  const engine = await createEngine(platform, publisher, rateLimiter)

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

  return { ...platform, publisher, sink, engine }
}
