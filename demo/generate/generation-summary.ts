import { LOOKBACK_MS } from './attribution-truth.ts'
import type { GenerationOptions } from './generation-options.ts'
import type { VisitorHistory } from './synthesize-visitor.ts'

/** What a run generated, printed at the end so a reader can hold it against the analytics API. */
export interface GenerationSummary {
  tenantId: string
  /** Every generated event id starts with it (`<runTag>-...`). */
  runTag: string
  seed: number
  days: number
  visitors: number
  from: string
  to: string
  events: number
  eventsByType: Record<string, number>
  chat: {
    sessions: number
    engagedSessions: number
    engagedVisitors: number
    llmCalls: number
    llmCostMicros: number
  }
  /** Orders are counted once however they were reported; refunds are separate conversions. */
  orders: {
    total: number
    backendConversions: number
    widgetOnlyPurchases: number
    purchaseBeaconsMatchingBackend: number
    refunds: number
    revenueMicros: Record<string, number>
    refundedMicros: Record<string, number>
  }
  uplift: {
    baseRate: number
    configured: number
    ordersPerEngagedVisitor: number
    ordersPerOtherVisitor: number
    observed: number
    ordersCausedByChat: number
  }
  /** Ground truth for `GET /v1/analytics/attribution` with the default 7-day lookback. */
  attribution: { lookbackDays: number; ordersWithTouch: number; direct: number; assisted: number }
  /** Events of this run found stored when the run ended. */
  stored?: number
  seconds?: number
}

export class SummaryTally {
  private readonly byType = new Map<string, number>()
  private events = 0
  private engagedVisitors = 0
  private engagedOrders = 0
  private otherOrders = 0
  private engagedSessions = 0
  private llmCostMicros = 0
  private readonly orders = {
    total: 0,
    backendConversions: 0,
    widgetOnlyPurchases: 0,
    purchaseBeaconsMatchingBackend: 0,
    refunds: 0,
    revenueMicros: {} as Record<string, number>,
    refundedMicros: {} as Record<string, number>,
  }
  private caused = 0
  private readonly attribution = { direct: 0, assisted: 0 }

  add(visitor: VisitorHistory): void {
    for (const row of visitor.rows) {
      this.byType.set(row.type, (this.byType.get(row.type) ?? 0) + 1)
      if (row.type === 'llm.call')
        this.llmCostMicros += (JSON.parse(row.props) as { cost_micros: number }).cost_micros
    }
    this.events += visitor.rows.length
    this.engagedSessions += visitor.engagedSessions
    if (visitor.engagedSessions > 0) {
      this.engagedVisitors++
      this.engagedOrders += visitor.orders.length
    } else {
      this.otherOrders += visitor.orders.length
    }
    for (const order of visitor.orders) {
      const orders = this.orders
      orders.total++
      if (order.backend) orders.backendConversions++
      else orders.widgetOnlyPurchases++
      if (order.backend && order.purchaseBeacon) orders.purchaseBeaconsMatchingBackend++
      orders.revenueMicros[order.currency] = (orders.revenueMicros[order.currency] ?? 0) + order.valueMicros
      if (order.refunded) {
        orders.refunds++
        orders.refundedMicros[order.currency] =
          (orders.refundedMicros[order.currency] ?? 0) + order.valueMicros
      }
      if (order.causedByChat) this.caused++
      if (order.attribution !== 'unattributed') this.attribution[order.attribution]++
    }
  }

  finish(options: GenerationOptions, tenantId: string, runTag: string): GenerationSummary {
    const others = options.visitors - this.engagedVisitors
    const perEngaged = this.engagedVisitors === 0 ? 0 : this.engagedOrders / this.engagedVisitors
    const perOther = others === 0 ? 0 : this.otherOrders / others
    return {
      tenantId,
      runTag,
      seed: options.seed,
      days: options.days,
      visitors: options.visitors,
      from: new Date(options.now - options.days * 86_400_000).toISOString(),
      to: new Date(options.now).toISOString(),
      events: this.events,
      eventsByType: Object.fromEntries([...this.byType].sort(([a], [b]) => a.localeCompare(b))),
      chat: {
        sessions: this.byType.get('chat.session.opened') ?? 0,
        engagedSessions: this.engagedSessions,
        engagedVisitors: this.engagedVisitors,
        llmCalls: this.byType.get('llm.call') ?? 0,
        llmCostMicros: this.llmCostMicros,
      },
      orders: this.orders,
      uplift: {
        baseRate: options.conversionRate,
        configured: options.chatUplift,
        ordersPerEngagedVisitor: round(perEngaged),
        ordersPerOtherVisitor: round(perOther),
        observed: perOther === 0 ? 0 : round(perEngaged / perOther),
        ordersCausedByChat: this.caused,
      },
      attribution: {
        lookbackDays: LOOKBACK_MS / 86_400_000,
        ordersWithTouch: this.attribution.direct + this.attribution.assisted,
        ...this.attribution,
      },
    }
  }
}

const round = (value: number) => Math.round(value * 10_000) / 10_000

/** The summary as the CLI prints it. */
export function formatSummary(summary: GenerationSummary): string {
  const money = (micros: Record<string, number>) =>
    Object.entries(micros)
      .map(([currency, value]) => `${(value / 1e6).toFixed(2)} ${currency}`)
      .join(', ') || '0'
  const { chat, orders, uplift, attribution } = summary
  return [
    `Generated ${summary.events} events for ${summary.visitors} visitors over ${summary.days} days (${summary.from} .. ${summary.to}), seed ${summary.seed}, tenant ${summary.tenantId}, event ids ${summary.runTag}-*`,
    ...(summary.stored === undefined
      ? []
      : [`Stored: ${summary.stored} events in ${summary.seconds?.toFixed(1)} s`]),
    `Chat: ${chat.sessions} sessions, ${chat.engagedSessions} engaged, ${chat.engagedVisitors} engaged visitors, ${chat.llmCalls} LLM calls costing ${(chat.llmCostMicros / 1e6).toFixed(4)} USD`,
    `Orders: ${orders.total} (${orders.backendConversions} backend conversions, ${orders.widgetOnlyPurchases} only as purchase beacons, ${orders.purchaseBeaconsMatchingBackend} beacons duplicating a backend order), ${orders.refunds} refunds; revenue ${money(orders.revenueMicros)}, refunded ${money(orders.refundedMicros)}`,
    `Uplift: base ${uplift.baseRate} orders/visitor, configured x${uplift.configured}; observed ${uplift.ordersPerEngagedVisitor} per engaged visitor vs ${uplift.ordersPerOtherVisitor} per other visitor = x${uplift.observed}; ${uplift.ordersCausedByChat} orders caused by chats`,
    `Attribution (${attribution.lookbackDays}-day lookback) should find ${attribution.ordersWithTouch} orders with a chat touch: ${attribution.direct} direct, ${attribution.assisted} assisted`,
    `By type: ${Object.entries(summary.eventsByType)
      .map(([type, count]) => `${type} ${count}`)
      .join(', ')}`,
  ].join('\n')
}
