import { FLOW_SCRIPTS } from '../../../demo/generate/demo-catalog.ts'
import { generateHistory } from '../../../demo/generate/generate-history.ts'
import { generationInput } from '../../../demo/generate/generation-options.ts'
import { SummaryTally } from '../../../demo/generate/generation-summary.ts'

export interface DatasetPlan {
  visitors: number
  /** The generator's `--conversion-rate`: base orders per visitor. */
  conversionRate: number
}

const PILOT_VISITORS = 4_000

/**
 * Visitors and base order rate that give about `events` events and `conversions` orders. Events per
 * visitor grow linearly with the rate (each order brings a few), so two pilot runs of the pure
 * generator fix the line: events/visitor = e0 + perOrder * orders/visitor, orders/visitor = k * rate.
 */
export function planDataset(target: {
  events: number
  conversions: number
  days: number
  seed: number
}): DatasetPlan {
  const pilot = (rate: number) => {
    const options = {
      ...generationInput.parse({
        visitors: PILOT_VISITORS,
        days: target.days,
        seed: target.seed,
        conversionRate: rate,
      }),
      now: Date.now(),
    }
    const flows = new Map(Object.keys(FLOW_SCRIPTS).map((intent) => [intent, { flowId: intent, version: 1 }]))
    const tally = new SummaryTally()
    for (const _batch of generateHistory(options, { tenantId: '', widgetKey: '', flows }, tally));
    const summary = tally.finish(options, '', '')
    return { events: summary.events / PILOT_VISITORS, orders: summary.orders.total / PILOT_VISITORS }
  }
  const low = pilot(0.05)
  const high = pilot(1)
  const perOrder = (high.events - low.events) / (high.orders - low.orders)
  const ordersPerRate = high.orders
  const baseEvents = low.events - perOrder * low.orders
  const visitors = Math.round((target.events - perOrder * target.conversions) / baseEvents)
  return { visitors, conversionRate: Number((target.conversions / (visitors * ordersPerRate)).toFixed(5)) }
}
