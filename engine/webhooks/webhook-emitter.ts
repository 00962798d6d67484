import type { SecretBox } from '../../platform/crypto/secret-box.ts'
import type { StateStore } from '../../platform/state/state-store.ts'
import { type EndpointService, type LiveEndpoint, subscribes } from './endpoint-service.ts'
import type { WebhookEvent } from './webhook-event-types.ts'
import { type DeliveryTrigger, sealEvent, WEBHOOK_QUEUE, type WebhookJob } from './webhook-job.ts'

/**
 * Turns events into delivery jobs on the state port's queue: one per event and subscribed endpoint.
 * Scheduling is durable once it resolves (the queue is journaled locally, or in Redis), and a job's id
 * is fixed by endpoint and event, so emitting the same event again (a retried turn) queues it once.
 * A tenant without endpoints costs one cached lookup and no write.
 */
export class WebhookEmitter {
  constructor(
    private readonly endpoints: EndpointService,
    private readonly state: StateStore,
    private readonly secretBox: SecretBox,
  ) {}

  /** True when some endpoint of the tenant would take an event of this type now. */
  async wants(tenantId: string, type: string): Promise<boolean> {
    const now = Date.now()
    return (await this.endpoints.liveEndpoints(tenantId)).some((endpoint) => subscribes(endpoint, type, now))
  }

  /** Queues each event for every endpoint that subscribes to it, in order under `orderKey`. */
  async emit(tenantId: string, events: readonly WebhookEvent[], orderKey: string): Promise<void> {
    const endpoints = await this.endpoints.liveEndpoints(tenantId)
    if (endpoints.length === 0) return
    const now = Date.now()
    const jobs: Promise<void>[] = []
    events.forEach((event, index) => {
      const at = Date.parse(event.timestamp)
      const targets = endpoints.filter((endpoint) => subscribes(endpoint, event.type, at))
      if (targets.length === 0) return
      const sealed = sealEvent(this.secretBox, event)
      for (const endpoint of targets) {
        jobs.push(
          this.enqueue(endpoint, event, sealed, 'event', { orderKey, order: now * 1000 + index, runAt: now }),
        )
      }
    })
    await Promise.all(jobs)
  }

  /** Queues one event for one endpoint whatever its filters (replay, test event). */
  async deliverTo(endpoint: LiveEndpoint, event: WebhookEvent, trigger: DeliveryTrigger): Promise<void> {
    const now = Date.now()
    await this.enqueue(endpoint, event, sealEvent(this.secretBox, event), trigger, {
      orderKey: `${trigger}:${event.id}`,
      order: now * 1000,
      runAt: now,
    })
  }

  /** Re-queues a stored (sealed) message for one endpoint. */
  async redeliver(
    endpoint: LiveEndpoint,
    message: { messageId: string; eventType: string; sealed: string },
  ): Promise<void> {
    const now = Date.now()
    const job: WebhookJob = {
      kind: 'deliver',
      tenantId: endpoint.tenantId,
      endpointId: endpoint.endpointId,
      messageId: message.messageId,
      eventType: message.eventType,
      trigger: 'replay',
      sealed: message.sealed,
      orderKey: `replay:${message.messageId}`,
      order: now * 1000,
    }
    await this.state.schedule(WEBHOOK_QUEUE, {
      id: `replay:${endpoint.endpointId}:${message.messageId}:${now}`,
      payload: JSON.stringify(job),
      runAt: now,
    })
  }

  private async enqueue(
    endpoint: LiveEndpoint,
    event: WebhookEvent,
    sealed: string,
    trigger: DeliveryTrigger,
    position: { orderKey: string; order: number; runAt: number },
  ): Promise<void> {
    const job: WebhookJob = {
      kind: 'deliver',
      tenantId: endpoint.tenantId,
      endpointId: endpoint.endpointId,
      messageId: event.id,
      eventType: event.type,
      trigger,
      sealed,
      orderKey: position.orderKey,
      order: position.order,
    }
    const id =
      trigger === 'event'
        ? `deliver:${endpoint.endpointId}:${event.id}`
        : `${trigger}:${endpoint.endpointId}:${event.id}:${position.runAt}`
    await this.state.schedule(WEBHOOK_QUEUE, { id, payload: JSON.stringify(job), runAt: position.runAt })
  }
}
