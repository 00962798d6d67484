import type { SecretBox } from '../../platform/crypto/secret-box.ts'
import type { WebhookEvent } from './webhook-event-types.ts'

/** The state port queue the `worker` role drains: deliveries and session expiries. */
export const WEBHOOK_QUEUE = 'webhooks'

export type DeliveryTrigger = 'event' | 'replay' | 'test'

export interface SessionFacts {
  sessionId: string
  widgetKey: string
  anonymousId: string
  openedAt: number
  expiresAt: number
}

export type WebhookJob =
  | {
      kind: 'deliver'
      tenantId: string
      endpointId: string
      messageId: string
      eventType: string
      trigger: DeliveryTrigger
      /** The event body, sealed: it may hold form values, and the queue lives in Redis or the state files. */
      sealed: string
      /** Deliveries with one key (an execution, a session) claimed together go out in `order`. */
      orderKey: string
      order: number
    }
  | { kind: 'session-expiry'; tenantId: string; session: SessionFacts }

const messageContext = (tenantId: string, messageId: string) => `webhook-message:${tenantId}:${messageId}`

export function sealEvent(secretBox: SecretBox, event: WebhookEvent): string {
  return secretBox.seal(JSON.stringify(event), messageContext(event.tenantId, event.id))
}

/** The body exactly as it is POSTed: the sealed text is the JSON that was built once. */
export function openEventBody(
  secretBox: SecretBox,
  tenantId: string,
  messageId: string,
  sealed: string,
): string {
  return secretBox.open(sealed, messageContext(tenantId, messageId))
}
