import { nameBasedId } from '../../platform/ids.ts'
import type { WebhookEvent } from './webhook-event-types.ts'
import { WEBHOOK_EVENT_TYPES } from './webhook-event-types.ts'
import type { SessionFacts } from './webhook-job.ts'

/** `chat.session.opened` or `.expired`; the id is fixed by the session, so a re-run sends it once. */
export function sessionEvent(
  type: 'chat.session.opened' | 'chat.session.expired',
  tenantId: string,
  session: SessionFacts,
): WebhookEvent {
  return {
    id: nameBasedId('webhook', type, session.sessionId),
    type,
    version: WEBHOOK_EVENT_TYPES[type].version,
    timestamp: new Date(type === 'chat.session.opened' ? session.openedAt : session.expiresAt).toISOString(),
    tenantId,
    data: {
      sessionId: session.sessionId,
      widgetKey: session.widgetKey,
      anonymousId: session.anonymousId,
      openedAt: new Date(session.openedAt).toISOString(),
      expiresAt: new Date(session.expiresAt).toISOString(),
    },
  }
}
