import { describe, expect, it } from 'vitest'
import type { EventRow } from '../../ingest/event-row.ts'
import { FLOW_SCRIPTS } from './demo-catalog.ts'
import { generateHistory, runTagOf } from './generate-history.ts'
import { type GenerationInput, generationInput } from './generation-options.ts'
import { type GenerationSummary, SummaryTally } from './generation-summary.ts'

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0)
const DAY = 86_400_000
const target = {
  tenantId: '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b',
  widgetKey: 'pk_test_generate',
  flows: new Map(
    Object.keys(FLOW_SCRIPTS).map((intent) => [intent, { flowId: `flow-${intent}`, version: 2 }]),
  ),
}

function generate(input: GenerationInput): { rows: EventRow[]; summary: GenerationSummary } {
  const options = { ...generationInput.parse(input), now: NOW }
  const tally = new SummaryTally()
  const rows = [...generateHistory(options, target, tally, 1_000)].flatMap((batch) => batch.rows)
  return { rows, summary: tally.finish(options, target.tenantId, runTagOf(options)) }
}

const small = generate({ visitors: 300, days: 14, seed: 5 })
const large = generate({ visitors: 8_000, days: 30, seed: 9, conversionRate: 0.2, chatUplift: 3 })
const props = (row: EventRow) => JSON.parse(row.props) as Record<string, unknown>

describe('generateHistory', () => {
  it('gives the same rows for the same seed and end time, and other rows for another seed', () => {
    expect(generate({ visitors: 300, days: 14, seed: 5 }).rows).toEqual(small.rows)
    expect(generate({ visitors: 300, days: 14, seed: 6 }).rows).not.toEqual(small.rows)
  })

  it('gives every event a distinct UUID starting with the run tag, inside the window', () => {
    const tag = small.summary.runTag
    const ids = new Set(small.rows.map((row) => row.event_id))
    expect(ids.size).toBe(small.rows.length)
    for (const row of small.rows) {
      expect(row.event_id).toMatch(
        new RegExp(`^${tag}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`),
      )
      expect(row.ts).toBeGreaterThanOrEqual(NOW - 14 * DAY)
      expect(row.ts).toBeLessThan(NOW)
      expect(row.tenant_id).toBe(target.tenantId)
    }
  })

  it('builds beacons through the intake enrichment and engine and backend events as the product does', () => {
    const bySource = (source: string) => small.rows.filter((row) => row.source === source)
    const landing = bySource('widget').find((row) => row.type === 'page.viewed' && row.utm_source !== '')
    expect(landing?.url_host).toBe('shop.example')
    expect(bySource('widget').every((row) => row.browser !== '' && row.widget_key === target.widgetKey)).toBe(
      true,
    )
    expect(new Set(bySource('engine').map((row) => row.type.split('.')[0]))).toEqual(
      new Set(['chat', 'llm', 'goal']),
    )
    expect(new Set(bySource('backend').map((row) => row.type))).toEqual(new Set(['conversion']))
    const status = small.rows.find((row) => row.type === 'chat.execution.status_changed')
    expect(Object.keys(props(status as EventRow))).toEqual(expect.arrayContaining(['from', 'to']))
    expect(status?.flow_id).toMatch(/^flow-/)
  })

  it('writes llm.call and conversion events per the shared contract', () => {
    const call = large.rows.find((row) => row.type === 'llm.call' && props(row).outcome === 'ok') as EventRow
    const callProps = props(call)
    expect(Object.keys(callProps).sort()).toEqual(
      [
        'cached_prompt_tokens',
        'call_id',
        'completion_tokens',
        'cost_micros',
        'cost_source',
        'error',
        'latency_ms',
        'model',
        'outcome',
        'price_id',
        'prompt_tokens',
        'provider',
        'total_tokens',
      ].sort(),
    )
    expect(callProps.call_id).toBe(call.event_id)
    expect(callProps.total_tokens).toBe(Number(callProps.prompt_tokens) + Number(callProps.completion_tokens))
    expect(call.chat_session_id).not.toBe('')

    const conversions = large.rows.filter((row) => row.type === 'conversion')
    const refunds = conversions.filter((row) => row.value_micros < 0)
    expect(refunds.length).toBe(large.summary.orders.refunds)
    expect(new Set(conversions.map((row) => row.currency))).toEqual(new Set(['EUR', 'USD']))
    for (const row of conversions) {
      const { conversion_id, order_id, line_items } = props(row) as {
        conversion_id: string
        order_id: string
        line_items: Array<{ value_micros: number }>
      }
      expect(conversion_id).not.toBe('')
      expect(Math.abs(row.value_micros)).toBe(line_items.reduce((sum, item) => sum + item.value_micros, 0))
      expect(row.customer_id !== '' || row.anonymous_id !== '').toBe(true)
      expect(order_id).toMatch(/^o-/)
    }
    const backendOrders = new Set(conversions.map((row) => props(row).order_id))
    const matching = large.rows.filter(
      (row) => row.type === 'purchase' && backendOrders.has(props(row).order_id),
    )
    expect(matching.length).toBe(large.summary.orders.purchaseBeaconsMatchingBackend)
  })

  it('tallies exactly the rows it generated', () => {
    const counted = Object.values(large.summary.eventsByType).reduce((sum, count) => sum + count, 0)
    expect(counted).toBe(large.rows.length)
    expect(large.summary.eventsByType['chat.session.opened']).toBe(large.summary.chat.sessions)
    const orders = large.summary.orders
    expect(orders.backendConversions + orders.refunds).toBe(large.summary.eventsByType.conversion)
    expect(orders.total).toBe(orders.backendConversions + orders.widgetOnlyPurchases)
  })

  it('makes engaged visitors order at about the configured multiple, mostly after their chats', () => {
    const { uplift, attribution, chat } = large.summary
    expect(uplift.observed).toBeGreaterThan(2.4)
    expect(uplift.observed).toBeLessThan(3.6)
    expect(chat.engagedVisitors).toBeGreaterThan(400)
    expect(attribution.ordersWithTouch).toBeGreaterThanOrEqual(uplift.ordersCausedByChat)
    expect(attribution.direct).toBeGreaterThan(attribution.assisted)
  })

  it('follows a day-night rhythm', () => {
    const hours = large.rows
      .filter((row) => row.type === 'page.viewed')
      .map((row) => new Date(row.ts).getUTCHours())
    const evening = hours.filter((hour) => hour >= 18 && hour <= 21).length
    const night = hours.filter((hour) => hour >= 2 && hour <= 5).length
    expect(evening).toBeGreaterThan(night * 5)
  })
})
