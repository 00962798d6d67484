import { PRODUCTS, SHOP_ORIGIN } from './demo-catalog.ts'
import type { Prng } from './prng.ts'
import type { Browser, RowFactory } from './row-factory.ts'

const MINUTE = 60_000
const DAY = 86_400_000

export interface Buyer {
  anonymousId: string
  customerId: string | undefined
  currency: 'EUR' | 'USD'
  browser: Browser
}

export interface OrderPlan {
  ts: number
  /** The engaged session the order followed closely enough for the shop to pass its id. */
  chatSessionId: string | undefined
}

/** What one order produced; refunds are separate conversions and no orders. */
export interface OrderFacts {
  ts: number
  backend: boolean
  purchaseBeacon: boolean
  refunded: boolean
  currency: string
  valueMicros: number
}

/**
 * An order: `checkout.started`, the backend's `conversion` (most orders), a widget `purchase` beacon
 * with the same order id (some orders; the only record of the rest) and sometimes a later refund.
 */
export function synthesizeOrder(
  prng: Prng,
  rows: RowFactory,
  buyer: Buyer,
  plan: OrderPlan,
  now: number,
): OrderFacts {
  const orderId = `o-${prng.hex(10)}`
  const rate = buyer.currency === 'USD' ? 1.08 : 1
  const lineItems = Array.from(
    {
      length: prng.weighted([
        [1, 60],
        [2, 30],
        [3, 10],
      ] as const),
    },
    () => {
      const product = prng.pick(PRODUCTS)
      const quantity = prng.chance(0.85) ? 1 : 2
      return {
        product_id: product.id,
        quantity,
        value_micros: Math.round(product.price * rate * quantity * 100) * 10_000,
      }
    },
  )
  const valueMicros = lineItems.reduce((sum, item) => sum + item.value_micros, 0)
  const { anonymousId, customerId, currency, browser } = buyer
  const value = valueMicros / 1e6
  rows.widget(
    {
      type: 'checkout.started',
      ts: plan.ts - prng.int(1, 4) * MINUTE,
      anonymous_id: anonymousId,
      value,
      currency,
    },
    browser,
  )

  const backend = prng.chance(0.92)
  const purchaseBeacon = !backend || prng.chance(0.5)
  let refunded = false
  if (backend) {
    const identity = {
      chat_session_id: plan.chatSessionId && prng.chance(0.6) ? plan.chatSessionId : '',
      customer_id: customerId ?? '',
      anonymous_id: customerId === undefined || prng.chance(0.5) ? anonymousId : '',
    }
    const conversion = (conversionId: string, ts: number, micros: number) =>
      rows.server(
        {
          type: 'conversion',
          ts,
          ...identity,
          value_micros: micros,
          currency,
          props: { conversion_id: conversionId, order_id: orderId, email_hash: '', line_items: lineItems },
        },
        'backend',
      )
    conversion(`cv-${orderId}`, plan.ts, valueMicros)
    const refundAt = plan.ts + prng.int(1, 10) * DAY
    if (prng.chance(0.04) && refundAt < now) {
      conversion(`cv-${orderId}-refund`, refundAt, -valueMicros)
      refunded = true
    }
  }
  if (purchaseBeacon) {
    rows.widget(
      {
        type: 'purchase',
        ts: plan.ts + prng.int(1, 30) * 1000,
        anonymous_id: anonymousId,
        url: `${SHOP_ORIGIN}/checkout/done`,
        props: { order_id: orderId },
        value,
        currency,
      },
      browser,
    )
  }
  return { ts: plan.ts, backend, purchaseBeacon, refunded, currency, valueMicros }
}
