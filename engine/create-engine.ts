import type { EventPublisher } from '../ingest/event-publisher.ts'
import type { Platform } from '../platform/create-platform.ts'
import { loadSecretBox } from '../platform/crypto/secret-box.ts'
import { Idempotency } from '../platform/http/idempotency.ts'
import type { RateLimiter } from '../platform/http/rate-limit.ts'
import { chatRoutes } from './chat.routes.ts'
import { connectionRoutes } from './connections/connection.routes.ts'
import { ConnectionService } from './connections/connection-service.ts'
import { engineReadRoutes } from './engine-api/engine-reads.routes.ts'
import { flowRoutes } from './flows/flow.routes.ts'
import { createFlowOperator, type FlowOperator, flowOperatorRoutes } from './flows/flow-operator.ts'
import { FlowService } from './flows/flow-service.ts'
import { executionHistoryRoutes } from './history/execution-history.routes.ts'
import { createLlm, type Llm } from './llm/create-llm.ts'
import { createWidgetSurface, type WidgetSurface } from './public/create-widget-surface.ts'
import { EngineWorker } from './runtime/engine-worker.ts'
import { ExecutionService } from './runtime/execution-service.ts'
import { ExecutionStore } from './runtime/execution-store.ts'
import { TurnRunner } from './runtime/turn-runner.ts'
import { SessionStore } from './sessions/session-store.ts'
import { UploadQuota } from './uploads/upload-quota.ts'
import { UploadService } from './uploads/upload-service.ts'
import { createWebhooks, type Webhooks } from './webhooks/create-webhooks.ts'

export interface Engine {
  flows: FlowService
  connections: ConnectionService
  executions: ExecutionService
  flowOperator: FlowOperator
  llm: Llm
  worker: EngineWorker | undefined
  /** Webhook endpoints, deliveries and their worker (engine/webhooks/WEBHOOKS.md). */
  webhooks: Webhooks
  /** Widget settings, forms, the public reads and the usage quota. */
  widget: WidgetSurface
}

/** Wires the chat runtime onto the platform: routes for the `api` role, the job worker for `worker`. */
export async function createEngine(
  platform: Platform,
  publisher: EventPublisher,
  rateLimiter: RateLimiter,
): Promise<Engine> {
  const { config, db, state, logger, server, tenancy } = platform
  const secretBox = await loadSecretBox(config)
  const connections = new ConnectionService(db, state, secretBox)
  const flows = new FlowService(db, state, async (tenantId) =>
    (await connections.list(tenantId)).map((c) => c.name),
  )
  await connections.start()
  await flows.start()
  platform.onClose(async () => {
    await flows.stop()
    await connections.stop()
  })
  const llm = await createLlm(platform, connections, publisher)

  const webhooks = await createWebhooks(platform, flows, secretBox)
  const executionStore = new ExecutionStore(state, secretBox)
  const runner = new TurnRunner({
    state,
    executions: executionStore,
    publisher,
    config: config.chat,
    logger: logger.child({ component: 'engine' }),
    observer: webhooks.turnObserver,
  })
  const uploads = new UploadService(
    db,
    new UploadQuota(state, config.uploads, config.chat.sessionTtlSeconds * 1000),
  )
  const executions = new ExecutionService(flows, executionStore, runner, uploads)
  const flowOperator = createFlowOperator(flows, tenancy)
  const widget = await createWidgetSurface(platform, publisher, rateLimiter)

  if (config.roles.includes('api')) {
    const sessions = new SessionStore(state, config.chat.sessionTtlSeconds * 1000)
    await server.register(
      chatRoutes({
        tenancy,
        sessions,
        executions,
        uploads,
        publisher,
        rateLimiter,
        idempotency: new Idempotency(state),
        config,
        sessionOpened: (tenantId, session) => webhooks.sessionOpened(tenantId, session),
        admitSession: (widgetKey) => widget.admitSession(widgetKey),
      }),
    )
    await server.register(flowRoutes(flows, tenancy), { prefix: '/v1/admin' })
    await server.register(flowOperatorRoutes(flowOperator, platform.operatorToken), {
      prefix: '/v1/operator',
    })
    await server.register(
      connectionRoutes(connections, tenancy, {
        allowPrivateNetworks: config.connectionsAllowPrivateNetworks,
      }),
      { prefix: '/v1/admin' },
    )
    await server.register(executionHistoryRoutes(db, tenancy), { prefix: '/v1/admin' })
    await server.register(
      engineReadRoutes({
        db: db.withOrigin({ component: 'engine-api' }),
        tenancy,
        flows,
        executions: executionStore,
        sessionTtlMs: config.chat.sessionTtlSeconds * 1000,
      }),
    )
    await server.register(llm.routes)
  }

  let worker: EngineWorker | undefined
  if (config.roles.includes('worker')) {
    const started = new EngineWorker({
      state,
      flows,
      executions: executionStore,
      runner,
      connections,
      allowPrivateNetworks: config.connectionsAllowPrivateNetworks,
      providers: llm.providers,
      prices: llm.prices,
      logger: logger.child({ role: 'worker' }),
    })
    started.start()
    platform.onClose(() => started.stop())
    worker = started
  }
  return { flows, connections, executions, flowOperator, llm, worker, webhooks, widget }
}
