import type { Db } from '../../platform/clickhouse/db.ts'
import { AppError } from '../../platform/errors/catalog.ts'
import { newId } from '../../platform/ids.ts'
import type { AttemptStatus } from './attempt-log.ts'
import {
  type AttemptFilter,
  type AttemptLogRow,
  failedMessagesSince,
  findMessage,
  listAttempts,
} from './attempt-queries.ts'
import type { EndpointService, LiveEndpoint } from './endpoint-service.ts'
import type { WebhookEmitter } from './webhook-emitter.ts'
import { WEBHOOK_EVENT_TYPES } from './webhook-event-types.ts'
import type { DeliveryTrigger } from './webhook-job.ts'

/** One attempt in the delivery log, as the admin API shows it. */
export interface AttemptView {
  endpointId: string
  messageId: string
  eventType: string
  trigger: DeliveryTrigger
  attempt: number
  status: AttemptStatus
  httpStatus: number
  latencyMs: number
  error: string
  responseExcerpt: string
  attemptedAt: string
  nextAttemptAt?: string
}

const MAX_REPLAY = 1_000

/** The delivery log, replays and test events of a tenant's endpoints. */
export class WebhookDeliveries {
  constructor(
    private readonly db: Db,
    private readonly endpoints: EndpointService,
    private readonly emitter: WebhookEmitter,
  ) {}

  async attempts(tenantId: string, filter: AttemptFilter): Promise<AttemptView[]> {
    if (filter.endpointId) await this.endpoints.get(tenantId, filter.endpointId)
    return (await listAttempts(this.db, tenantId, filter)).map(toAttemptView)
  }

  /** Queues a test event to the endpoint, whatever its filters; its attempts appear in the log. */
  async sendTest(tenantId: string, endpointId: string): Promise<{ messageId: string }> {
    const endpoint = await this.enabledEndpoint(tenantId, endpointId)
    const messageId = newId()
    await this.emitter.deliverTo(
      endpoint,
      {
        id: messageId,
        type: 'webhook.test',
        version: WEBHOOK_EVENT_TYPES['webhook.test'].version,
        timestamp: new Date().toISOString(),
        tenantId,
        data: { endpointId, message: 'A test event from Comerix' },
      },
      'test',
    )
    return { messageId }
  }

  /** Sends one stored event again (same webhook-id, signed now). */
  async replayMessage(tenantId: string, endpointId: string, messageId: string): Promise<string[]> {
    const endpoint = await this.enabledEndpoint(tenantId, endpointId)
    const message = await findMessage(this.db, tenantId, messageId)
    if (!message) throw new AppError('not_found', `no webhook event ${messageId} (events are kept 30 days)`)
    await this.redeliver(endpoint, message)
    return [messageId]
  }

  /** Sends again every event whose delivery to the endpoint failed for good since `sinceMs`. */
  async replayFailed(tenantId: string, endpointId: string, sinceMs: number): Promise<string[]> {
    const endpoint = await this.enabledEndpoint(tenantId, endpointId)
    const messages = await failedMessagesSince(this.db, tenantId, endpointId, sinceMs, MAX_REPLAY)
    for (const message of messages) await this.redeliver(endpoint, message)
    return messages.map((message) => message.message_id)
  }

  private redeliver(
    endpoint: LiveEndpoint,
    message: { message_id: string; event_type: string; payload_sealed: string },
  ) {
    return this.emitter.redeliver(endpoint, {
      messageId: message.message_id,
      eventType: message.event_type,
      sealed: message.payload_sealed,
    })
  }

  private async enabledEndpoint(tenantId: string, endpointId: string): Promise<LiveEndpoint> {
    await this.endpoints.get(tenantId, endpointId)
    const endpoint = await this.endpoints.liveEndpoint(tenantId, endpointId)
    if (!endpoint) throw new AppError('not_found', `no webhook endpoint ${endpointId}`)
    if (!endpoint.enabled)
      throw new AppError('conflict', 'the endpoint is disabled; enable it (PATCH enabled: true) first')
    return endpoint
  }
}

const iso = (ms: number) => new Date(ms).toISOString()

function toAttemptView(row: AttemptLogRow): AttemptView {
  return {
    endpointId: row.endpoint_id,
    messageId: row.message_id,
    eventType: row.event_type,
    trigger: row.trigger as DeliveryTrigger,
    attempt: row.attempt,
    status: row.status as AttemptStatus,
    httpStatus: row.http_status,
    latencyMs: row.latency_ms,
    error: row.error,
    responseExcerpt: row.response_excerpt,
    attemptedAt: iso(row.attempted_ms),
    ...(row.next_attempt_ms === null ? {} : { nextAttemptAt: iso(row.next_attempt_ms) }),
  }
}
