import type { EventRow } from '../../ingest/event-row.ts'
import { classifyOrder, type OrderAttribution } from './attribution-truth.ts'
import {
  COUNTRIES,
  HOURLY_WEIGHTS,
  PAGES,
  PRODUCTS,
  SHOP_ORIGIN,
  TRAFFIC,
  USER_AGENTS,
} from './demo-catalog.ts'
import type { GenerationOptions, GenerationTarget } from './generation-options.ts'
import { Prng } from './prng.ts'
import { RowFactory } from './row-factory.ts'
import { type ChatTouch, synthesizeChat } from './synthesize-chat.ts'
import { type Buyer, type OrderFacts, synthesizeOrder } from './synthesize-order.ts'

const SECOND = 1000
const HOUR = 3_600_000
const DAY = 86_400_000
const HOURS = HOURLY_WEIGHTS.map((weight, hour) => [hour, weight] as const)

export interface VisitorHistory {
  rows: EventRow[]
  /** Engaged chat sessions (touches). */
  engagedSessions: number
  /** Orders without chat influence plus those the chat uplift added. */
  orders: Array<OrderFacts & { attribution: OrderAttribution; causedByChat: boolean }>
}

interface Visit {
  start: number
  end: number
}

/**
 * One visitor's whole history, from the visitor's own generator (seeded by run seed and index, so any
 * visitor can be generated alone): visits with page views, product views, cart adds and the widget on
 * every page; sometimes a chat; identify for account holders; orders, more of them after engaged chats.
 */
export function synthesizeVisitor(
  index: number,
  options: GenerationOptions,
  target: GenerationTarget,
  runTag: string,
): VisitorHistory {
  const prng = new Prng(options.seed, index)
  const rows = new RowFactory(target, runTag, prng)
  const anonymousId = `anon_${prng.hex(16)}`
  const buyer: Buyer = {
    anonymousId,
    customerId: prng.chance(0.35) ? `cust-${prng.hex(8)}` : undefined,
    currency: prng.chance(0.8) ? 'EUR' : 'USD',
    browser: { userAgent: prng.weighted(USER_AGENTS), country: prng.weighted(COUNTRIES) },
  }
  const traffic = prng.weighted(TRAFFIC)
  const landingQuery = traffic.query.endsWith('=') ? `${traffic.query}${prng.hex(12)}` : traffic.query

  const visits: Visit[] = []
  const touches: ChatTouch[] = []
  let start = visitStart(prng, options)
  const visitCount = Math.min(6, 1 + Math.floor(prng.exponential(0.9)))
  for (let n = 0; n < visitCount && start < options.now - 2 * HOUR; n++) {
    const opensWidgetAt = prng.chance(0.14) ? prng.int(0, 3) : -1
    let t = start
    const pages = Math.max(1, Math.round(prng.logNormal(3, 0.7)))
    for (let page = 0; page < pages; page++) {
      const path = prng.pick(PAGES)
      const url = `${SHOP_ORIGIN}${path}${n === 0 && page === 0 ? landingQuery : ''}`
      const referrer = n === 0 && page === 0 ? traffic.referrer : `${SHOP_ORIGIN}/`
      rows.widget({ type: 'page.viewed', ts: t, anonymous_id: anonymousId, url, referrer }, buyer.browser)
      rows.widget(
        { type: 'widget.loaded', ts: t + prng.int(200, 900), anonymous_id: anonymousId, url },
        buyer.browser,
      )
      if (prng.chance(0.45)) {
        const product = prng.pick(PRODUCTS)
        const price = { value: product.price, currency: 'EUR' }
        t += prng.int(1, 5) * SECOND
        rows.widget(
          {
            type: 'product.viewed',
            ts: t,
            anonymous_id: anonymousId,
            url,
            props: { product_id: product.id },
            ...price,
          },
          buyer.browser,
        )
        if (prng.chance(0.15)) {
          t += prng.int(5, 60) * SECOND
          rows.widget(
            {
              type: 'cart.added',
              ts: t,
              anonymous_id: anonymousId,
              url,
              props: { product_id: product.id, quantity: 1 },
              ...price,
            },
            buyer.browser,
          )
        }
      }
      if (page === opensWidgetAt) {
        const chat = synthesizeChat(prng, rows, target, {
          anonymousId,
          browser: buyer.browser,
          url,
          at: t + 5 * SECOND,
        })
        if (chat.touch) touches.push(chat.touch)
        t = chat.end
      }
      t += Math.round(prng.logNormal(40, 0.8) * SECOND)
    }
    visits.push({ start, end: t })
    start = returnVisitStart(prng, t)
  }

  const plans = planOrders(prng, options, visits, touches)
  let identified = false
  const orders: VisitorHistory['orders'] = []
  for (const plan of plans) {
    if (buyer.customerId && !identified) {
      identify(plan.ts - 5 * 60 * SECOND)
      identified = true
    }
    const facts = synthesizeOrder(prng, rows, buyer, plan, options.now)
    orders.push({ ...facts, attribution: classifyOrder(plan.ts, touches), causedByChat: plan.causedByChat })
  }
  const firstVisit = visits[0]
  if (buyer.customerId && !identified && firstVisit && prng.chance(0.5))
    identify(firstVisit.start + 30 * SECOND)
  return { rows: rows.rows, engagedSessions: touches.length, orders }

  function identify(ts: number) {
    rows.widget(
      { type: 'identify', ts, anonymous_id: anonymousId, customer_id: buyer.customerId },
      buyer.browser,
    )
  }
}

/** A visit start inside the window: a uniform day, an hour by the diurnal weights, a uniform minute. */
function visitStart(prng: Prng, options: GenerationOptions): number {
  const windowStart = options.now - options.days * DAY
  const firstDay = windowStart - (windowStart % DAY)
  for (;;) {
    const ts =
      firstDay + prng.int(0, options.days) * DAY + prng.weighted(HOURS) * HOUR + prng.int(0, HOUR - 1)
    if (ts >= windowStart && ts < options.now - 2 * HOUR) return ts
  }
}

/** A return visit some days later (2.5 on average), at an hour drawn by the same diurnal weights. */
function returnVisitStart(prng: Prng, lastVisitEnd: number): number {
  const later = lastVisitEnd + prng.exponential(2.5 * DAY)
  const start = later - (later % DAY) + prng.weighted(HOURS) * HOUR + prng.int(0, HOUR - 1)
  return start > lastVisitEnd + HOUR ? start : start + DAY
}

/**
 * Orders as a Poisson count per visitor: the base rate for everyone, at the end of one of their visits;
 * engaged visitors get `chatUplift - 1` times as many more, after one of their engaged sessions: most
 * within minutes (direct), the rest a few days later (assisted). Orders after `now` are not placed.
 */
function planOrders(
  prng: Prng,
  options: GenerationOptions,
  visits: readonly Visit[],
  touches: readonly ChatTouch[],
): Array<{ ts: number; chatSessionId: string | undefined; causedByChat: boolean }> {
  const plans = []
  const organic = visits.length === 0 ? 0 : prng.poisson(options.conversionRate)
  for (let n = 0; n < organic; n++) {
    const visit = prng.pick(visits)
    plans.push({
      ts: visit.end + prng.int(1, 5) * 60 * SECOND,
      chatSessionId: undefined,
      causedByChat: false,
    })
  }
  const caused = touches.length === 0 ? 0 : prng.poisson(options.conversionRate * (options.chatUplift - 1))
  for (let n = 0; n < caused; n++) {
    const touch = prng.pick(touches)
    const direct = prng.chance(0.65)
    const ts = direct
      ? touch.end + prng.int(1, 25) * 60 * SECOND
      : touch.touchTime + prng.int(2 * HOUR, 6 * DAY)
    plans.push({ ts, chatSessionId: direct ? touch.chatSessionId : undefined, causedByChat: true })
  }
  return plans.filter((plan) => plan.ts < options.now).sort((a, b) => a.ts - b.ts)
}
