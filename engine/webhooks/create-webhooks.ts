import type { Platform } from '../../platform/create-platform.ts'
import type { SecretBox } from '../../platform/crypto/secret-box.ts'
import type { FlowService } from '../flows/flow-service.ts'
import type { TurnObserver } from '../runtime/turn-observer.ts'
import { AttemptLog } from './attempt-log.ts'
import { startConversionWebhooks } from './conversion-webhooks.ts'
import { EndpointService } from './endpoint-service.ts'
import { sessionEvent } from './session-events.ts'
import { webhookRoutes } from './webhook.routes.ts'
import { WebhookEmitter } from './webhook-emitter.ts'
import { type SessionFacts, WEBHOOK_QUEUE, type WebhookJob } from './webhook-job.ts'
import { createWebhookMetrics } from './webhook-metrics.ts'
import { WebhookDeliveries } from './webhook-service.ts'
import { WebhookTurnObserver } from './webhook-turn-observer.ts'
import { WebhookWorker } from './webhook-worker.ts'

export interface Webhooks {
  endpoints: EndpointService
  emitter: WebhookEmitter
  deliveries: WebhookDeliveries
  /** Given to the TurnRunner: queues the events of every execution change. */
  turnObserver: TurnObserver
  /** Called when a chat session opens: `chat.session.opened`, and the expiry job when someone listens. */
  sessionOpened(tenantId: string, session: SessionFacts): Promise<void>
  worker: WebhookWorker | undefined
}

/**
 * Wires webhooks: the admin routes for the `api` role; for the `worker` role, the delivery worker on the
 * state port's `webhooks` queue and the consumer group that turns logged conversions into events.
 */
export async function createWebhooks(
  platform: Platform,
  flows: FlowService,
  secretBox: SecretBox,
): Promise<Webhooks> {
  const { config, state, server, tenancy, logger, eventLog } = platform
  const db = platform.db.withOrigin({ component: 'webhooks' })
  const endpoints = new EndpointService(db, state, secretBox, config.connectionsAllowPrivateNetworks)
  await endpoints.start()
  platform.onClose(() => endpoints.stop())
  const emitter = new WebhookEmitter(endpoints, state, secretBox)
  const deliveries = new WebhookDeliveries(db, endpoints, emitter)

  if (config.roles.includes('api')) {
    await server.register(webhookRoutes(endpoints, deliveries, tenancy), { prefix: '/v1/admin' })
  }

  let worker: WebhookWorker | undefined
  if (config.roles.includes('worker')) {
    const attempts = new AttemptLog(db)
    const started = new WebhookWorker({
      state,
      endpoints,
      emitter,
      attempts,
      secretBox,
      metrics: createWebhookMetrics(platform.metrics),
      config: config.webhooks,
      allowPrivateNetworks: config.connectionsAllowPrivateNetworks,
      logger: logger.child({ role: 'worker', component: 'webhooks' }),
    })
    started.start()
    const conversions = await startConversionWebhooks(
      eventLog,
      emitter,
      logger.child({ component: 'webhooks' }),
    )
    platform.onClose(async () => {
      await conversions.stop()
      await started.stop()
      await attempts.close()
    })
    worker = started
  }

  return {
    endpoints,
    emitter,
    deliveries,
    turnObserver: new WebhookTurnObserver(endpoints, emitter, flows),
    async sessionOpened(tenantId, session) {
      if ((await endpoints.liveEndpoints(tenantId)).length === 0) return
      await emitter.emit(
        tenantId,
        [sessionEvent('chat.session.opened', tenantId, session)],
        session.sessionId,
      )
      // The expiry is a job due when the session's token stops working; only queued while someone listens.
      if (await emitter.wants(tenantId, 'chat.session.expired')) {
        const job: WebhookJob = { kind: 'session-expiry', tenantId, session }
        await state.schedule(WEBHOOK_QUEUE, {
          id: `session-expiry:${session.sessionId}`,
          payload: JSON.stringify(job),
          runAt: session.expiresAt,
        })
      }
    },
    worker,
  }
}
