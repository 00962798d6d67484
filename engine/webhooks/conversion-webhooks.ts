import type { EventRow } from '../../ingest/event-row.ts'
import { EVENTS_TOPIC } from '../../ingest/event-topics.ts'
import type { EventLog, Subscription } from '../../platform/event-log/event-log.ts'
import { nameBasedId } from '../../platform/ids.ts'
import type { Logger } from '../../platform/log/logger.ts'
import type { WebhookEmitter } from './webhook-emitter.ts'
import { WEBHOOK_EVENT_TYPES, type WebhookEvent } from './webhook-event-types.ts'

export const WEBHOOK_CONVERSIONS_GROUP = 'webhook-conversions'

/**
 * `conversion.recorded` comes from the event log: the conversions API answers 202 once a conversion is
 * appended, and this consumer group (in the `worker` role) queues its deliveries, committing the log only
 * after the jobs are queued, so a conversion accepted before a crash is still sent. Rows of other types
 * are skipped without parsing.
 */
export async function startConversionWebhooks(
  eventLog: EventLog,
  emitter: WebhookEmitter,
  logger: Logger,
): Promise<Subscription> {
  return eventLog.subscribe({ group: WEBHOOK_CONVERSIONS_GROUP, topics: [EVENTS_TOPIC] }, async (batch) => {
    for (const entry of batch.entries) {
      const text = entry.value.toString('utf8')
      if (!text.includes('"type":"conversion"')) continue
      let row: EventRow
      try {
        row = JSON.parse(text) as EventRow
      } catch {
        continue
      }
      if (row.type !== 'conversion') continue
      const event = conversionEvent(row)
      if (!event) {
        logger.warn({ eventId: row.event_id }, 'conversion row without its props; no webhook')
        continue
      }
      await emitter.emit(row.tenant_id, [event], row.chat_session_id || row.event_id)
    }
  })
}

interface ConversionProps {
  conversion_id?: string
  order_id?: string
  line_items?: Array<{ product_id: string; quantity: number; value_micros: number }>
}

export function conversionEvent(row: EventRow): WebhookEvent | undefined {
  let props: ConversionProps
  try {
    props = JSON.parse(row.props) as ConversionProps
  } catch {
    return undefined
  }
  if (typeof props.conversion_id !== 'string') return undefined
  return {
    id: nameBasedId('webhook', 'conversion.recorded', row.tenant_id, row.event_id),
    type: 'conversion.recorded',
    version: WEBHOOK_EVENT_TYPES['conversion.recorded'].version,
    timestamp: new Date(row.received_at).toISOString(),
    tenantId: row.tenant_id,
    data: {
      conversionId: props.conversion_id,
      orderId: props.order_id ?? '',
      value: row.value_micros / 1e6,
      valueMicros: row.value_micros,
      currency: row.currency,
      customerId: row.customer_id,
      anonymousId: row.anonymous_id,
      chatSessionId: row.chat_session_id,
      lineItems: (props.line_items ?? []).map((item) => ({
        productId: item.product_id,
        quantity: item.quantity,
        valueMicros: item.value_micros,
      })),
      occurredAt: new Date(row.ts).toISOString(),
    },
  }
}
