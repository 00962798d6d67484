import { nameBasedId } from '../../platform/ids.ts'
import { toMicros } from '../enrich-event.ts'
import type { EventRow } from '../event-row.ts'
import { serverEventRow } from '../server-event.ts'
import type { ConversionBody } from './conversion-schema.ts'

/** A UUID fixed by (tenant, conversionId): every resend of one conversion is the same event, which the sink stores once. */
export function conversionEventId(tenantId: string, conversionId: string): string {
  return nameBasedId('conversion', tenantId, conversionId)
}

export interface ConversionContext {
  tenantId: string
  receivedAt: number
  /** The hex HMAC of the normalised address with the tenant's salt. */
  emailHash: (normalisedEmail: string) => string
}

/** The `conversion` event row (see events.md): identities as sent, money in micros, the e-mail only hashed. */
export function conversionRow(body: ConversionBody, context: ConversionContext): EventRow {
  return serverEventRow(
    {
      tenant_id: context.tenantId,
      type: 'conversion',
      event_id: conversionEventId(context.tenantId, body.conversionId),
      ts: body.occurredAt,
      received_at: context.receivedAt,
      chat_session_id: body.chatSessionId ?? '',
      customer_id: body.customerId ?? '',
      anonymous_id: body.anonymousId ?? '',
      value_micros: toMicros(body.value),
      currency: body.currency,
      props: {
        conversion_id: body.conversionId,
        order_id: body.orderId,
        email_hash: body.email === undefined ? '' : context.emailHash(body.email),
        line_items: body.lineItems.map((item) => ({
          product_id: item.productId,
          quantity: item.quantity,
          value_micros: toMicros(item.value),
        })),
      },
    },
    'backend',
  )
}
