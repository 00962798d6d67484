import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { beforeAll, describe, expect, it } from 'vitest'
import type { EventRow } from '../../ingest/event-row.ts'
import { eventRow } from '../../ingest/server-event.ts'
import { resolveWindow, windowInput } from '../../reports/semantic/analytics-window.ts'
import { windowParams } from '../../reports/semantic/time-bucket.ts'
import {
  type AttributeQuery,
  attribute,
  attributionDb,
  type ChatInput,
  chatEvents,
  conversionEvent,
  newTenant,
} from '../support/attribution-events.ts'

const context = await attributionDb()
const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 86_400_000
const T0 = Date.parse('2026-03-10T12:00:00Z')
const MARCH = { from: '2026-03-01', to: '2026-03-20' }
const METRICS = ['llm_cost_micros', 'llm_cost_per_attributed_sale_micros']

const insert = (...rows: (EventRow | EventRow[])[]) => context.db.insert('events', rows.flat())

/**
 * An `llm.call` of the chat's session (same envelope as the chat, so the session keeps its dimensions)
 * and, when `adjustedBy` is given, a price-backfill `llm.cost_adjusted` of it at the same `ts`.
 */
function llmCall(tenantId: string, chat: ChatInput, at: number, costMicros: number, adjustedBy?: number) {
  const callId = randomUUID()
  const envelope = {
    tenant_id: tenantId,
    ts: at,
    received_at: at,
    chat_session_id: chat.session,
    anonymous_id: chat.anonymousId ?? '',
    flow_id: chat.flowId ?? '',
    intent: chat.intent ?? '',
    widget_key: chat.widgetKey ?? '',
  }
  const props = (type: 'call' | 'adjustment', cost: number) => ({
    call_id: callId,
    provider: 'openai-compatible',
    model: 'gpt-4.1',
    prompt_tokens: type === 'call' ? 120 : 0,
    cached_prompt_tokens: 0,
    completion_tokens: type === 'call' ? 30 : 0,
    total_tokens: type === 'call' ? 150 : 0,
    cost_micros: cost,
    cost_source: 'price_catalog',
    price_id: '',
    latency_ms: type === 'call' ? 800 : 0,
    outcome: type === 'call' ? 'ok' : 'adjustment',
    error: '',
  })
  const call = eventRow({
    ...envelope,
    event_id: callId,
    type: 'llm.call',
    props: props('call', costMicros),
  })
  if (adjustedBy === undefined) return [call]
  const adjustment = {
    ...envelope,
    type: 'llm.cost_adjusted' as const,
    props: props('adjustment', adjustedBy),
  }
  return [call, eventRow(adjustment, 'backend')]
}

const chat = (input: ChatInput): ChatInput => ({ widgetKey: 'pk_a', ...input })
/** Visitor v: two chats, each touching both of v's sales; s1 cost 1,000 + 2,500 - 500 = 3,000, s2 nothing. */
const s1 = chat({ session: 's1', at: T0 - 2 * DAY, anonymousId: 'v', flowId: 'fa', intent: 'orders' })
const s2 = chat({ session: 's2', at: T0 - DAY, anonymousId: 'v', flowId: 'fb', intent: 'faq' })
/** Visitor w: one chat 30 minutes before a sale at 23:30 UTC (00:30 the next day in Berlin), cost 7,000. */
const W_SALE = Date.parse('2026-03-11T23:30:00Z')
const s3 = chat({
  session: 's3',
  at: W_SALE - 30 * MINUTE,
  anonymousId: 'w',
  flowId: 'fd',
  widgetKey: 'pk_b',
})
/** Visitor x: a chat (and its calls) before the window touching a sale inside it, cost 4,000. */
const s0 = chat({ session: 's0', at: Date.parse('2026-02-27T12:00:00Z'), anonymousId: 'x', flowId: 'fc' })
/** Chats that touch no sale of the window: a later sale, no sale, and a refund of a sale before the window. */
const late = chat({ session: 'late', at: Date.parse('2026-03-24T12:00:00Z'), anonymousId: 'y', flowId: 'fa' })
const idle = chat({ session: 'idle', at: T0, anonymousId: 'z', flowId: 'fa' })
const refunded = chat({
  session: 'refunded',
  at: Date.parse('2026-02-25T12:00:00Z'),
  anonymousId: 'r',
  flowId: 'fa',
})

async function seed(tenant: string) {
  await insert(
    ...[s1, s2, s3, s0, late, idle, refunded].map((input) => chatEvents(tenant, input)),
    llmCall(tenant, s1, s1.at + MINUTE, 1_000, -500),
    llmCall(tenant, s1, s1.at + 2 * MINUTE, 2_500),
    llmCall(tenant, s3, s3.at + 10 * MINUTE, 7_000),
    llmCall(tenant, s0, s0.at + 5 * MINUTE, 4_000),
    llmCall(tenant, late, late.at + MINUTE, 50_000),
    llmCall(tenant, idle, idle.at + MINUTE, 60_000),
    llmCall(tenant, refunded, refunded.at + MINUTE, 9_999),
    // v's session with LLM calls but no visitor interaction: not engaged, so never a touch.
    llmCall(
      tenant,
      chat({ session: 'quiet', at: T0 - DAY, anonymousId: 'v', flowId: 'fa' }),
      T0 - DAY,
      100_000,
    ),
    conversionEvent(tenant, {
      id: 'v-eur',
      at: T0,
      valueMicros: 100_000_000,
      currency: 'EUR',
      anonymousId: 'v',
    }),
    conversionEvent(tenant, {
      id: 'v-usd',
      at: T0 + DAY,
      valueMicros: 40_000_000,
      currency: 'USD',
      anonymousId: 'v',
    }),
    conversionEvent(tenant, {
      id: 'w-gbp',
      at: W_SALE,
      valueMicros: 20_000_000,
      currency: 'GBP',
      anonymousId: 'w',
    }),
    conversionEvent(tenant, {
      id: 'x-eur',
      at: Date.parse('2026-03-02T12:00:00Z'),
      valueMicros: 10_000_000,
      anonymousId: 'x',
    }),
    conversionEvent(tenant, { id: 'y-eur', at: late.at + HOUR, valueMicros: 5_000_000, anonymousId: 'y' }),
    conversionEvent(tenant, {
      id: 'r-sale',
      orderId: 'o-r',
      at: refunded.at + DAY,
      valueMicros: 30_000_000,
      anonymousId: 'r',
    }),
    conversionEvent(tenant, {
      id: 'r-refund',
      orderId: 'o-r',
      at: Date.parse('2026-03-05T12:00:00Z'),
      valueMicros: -30_000_000,
    }),
  )
}

const tenant = newTenant()
beforeAll(() => seed(tenant))

const run = (query: Partial<AttributeQuery>) =>
  attribute(context, tenant, { ...MARCH, metrics: METRICS, ...query })
const cost = (llm_cost_micros: number, llm_cost_per_attributed_sale_micros: number | null) => ({
  currency: 'USD',
  llm_cost_micros,
  llm_cost_per_attributed_sale_micros,
})
/** s1 + s2 + s3 + s0 = 3,000 + 0 + 7,000 + 4,000, over 4 sales (v-eur, v-usd, w-gbp, x-eur). */
const WINDOW_TOTAL = [cost(14_000, 3_500)]

describe('LLM cost per attributed sale', () => {
  it('sums each touching chat’s spend once, adjustments included, in one USD row whatever the sales’ currencies', async () => {
    const result = await run({})
    // Counted per touch, s1 and s2 would count twice (17,000); the chats that touch no sale of the window
    // (late, idle, refunded, quiet) add nothing.
    expect(result.rows).toEqual(WINDOW_TOTAL)
    expect(result.totals).toEqual(WINDOW_TOTAL)
  })

  it('cuts by the touching session’s flow, the flows adding up to the total', async () => {
    const byFlow = await run({ groupBy: ['flow'] })
    // Last touch: s2 (fb) takes both of v's sales, so s1's cost (fa) has no sale to divide by.
    expect(byFlow.rows).toEqual([
      { flow: 'fa', ...cost(3_000, null) },
      { flow: 'fb', ...cost(0, 0) },
      { flow: 'fc', ...cost(4_000, 4_000) },
      { flow: 'fd', ...cost(7_000, 7_000) },
    ])
    expect(byFlow.totals).toEqual(WINDOW_TOTAL)
    expect(byFlow.rows.reduce((sum, row) => sum + Number(row.llm_cost_micros), 0)).toBe(14_000)
    const linear = await run({ groupBy: ['flow'], options: { model: 'linear' } })
    expect(linear.rows).toEqual([
      { flow: 'fa', ...cost(3_000, 3_000) },
      { flow: 'fb', ...cost(0, 0) },
      { flow: 'fc', ...cost(4_000, 4_000) },
      { flow: 'fd', ...cost(7_000, 7_000) },
    ])
    expect(linear.totals).toEqual(WINDOW_TOTAL)
  })

  it('puts a chat on the day of each sale it touched, in the request’s timezone', async () => {
    const days = (timezone: string) => run({ timezone, granularity: 'day' })
    const utc = await days('UTC')
    // s1 and s2 touch v-eur (10th) and v-usd (11th): their cost is on both days, so days do not add up.
    expect(utc.rows).toEqual([
      { bucket: '2026-03-02T00:00:00', ...cost(4_000, 4_000) },
      { bucket: '2026-03-10T00:00:00', ...cost(3_000, 3_000) },
      { bucket: '2026-03-11T00:00:00', ...cost(10_000, 5_000) },
    ])
    expect(utc.totals).toEqual(WINDOW_TOTAL)
    const berlin = await days('Europe/Berlin')
    expect(berlin.rows).toEqual([
      { bucket: '2026-03-02T00:00:00', ...cost(4_000, 4_000) },
      { bucket: '2026-03-10T00:00:00', ...cost(3_000, 3_000) },
      { bucket: '2026-03-11T00:00:00', ...cost(3_000, 3_000) },
      { bucket: '2026-03-12T00:00:00', ...cost(7_000, 7_000) },
    ])
    expect(berlin.totals).toEqual(WINDOW_TOTAL)
  })

  it('gives the same totals whatever the grouping and the model', async () => {
    const cases = [
      [[], 'first_touch'],
      [['intent'], 'time_decay'],
      [['widget_key'], 'position_based'],
      [['quick_question'], 'linear'],
      [['time_to_convert_bucket'], 'last_touch'],
    ] as const
    for (const [groupBy, model] of cases) {
      const { totals } = await run({ groupBy: [...groupBy], options: { model } })
      expect(totals, `${groupBy} ${model}`).toEqual(WINDOW_TOTAL)
    }
  })

  it('filters by the session’s dimensions', async () => {
    const result = await run({ filters: { widget_key: ['pk_b'] } })
    expect(result.rows).toEqual([cost(7_000, 7_000)])
  })

  it('refuses to share a query with the credited-sale metrics or the visitor metrics', async () => {
    await expect(run({ metrics: ['llm_cost_micros', 'attributed_revenue_micros'] })).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringMatching(
        /llm_cost_micros \(LLM cost in USD\) cannot be combined with attributed_revenue_micros \(credited sales\)/,
      ),
    })
    await expect(run({ groupBy: ['visitor_engagement'] })).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringContaining('visitor_engagement'),
    })
  })
})

describe('the analyst SQL in sql/README.md', () => {
  it('reproduces the API’s LLM cost per attributed sale by flow and Berlin day', async () => {
    const window = { ...MARCH, timezone: 'Europe/Berlin', granularity: 'day' as const }
    const api = await run({ ...window, groupBy: ['flow'], options: { model: 'linear' } })
    const readme = await readFile(new URL('../../sql/README.md', import.meta.url), 'utf8')
    const block = (name: string) =>
      new RegExp(`\`\`\`sql ${name}\\n([\\s\\S]*?)\`\`\``).exec(readme)?.[1] ?? ''
    const attribution = block('attribution')
    const sql = attribution.slice(0, attribution.indexOf('  shares AS (')) + block('attribution-llm-cost')
    const database = context.db.tables.events.split('.')[0]
    const resolved = resolveWindow(windowInput.parse(window), Date.now()).current
    const analyst = await context.db.select<Record<string, unknown>>(
      sql.replaceAll('comerix.', `${database}.`).replace(/;\s*$/, ''),
      { ...windowParams(resolved), tenant_id: tenant, lookback_ms: 7 * DAY },
    )
    expect(api.rows.length).toBe(6)
    expect(analyst.map((row) => ({ ...row, llm_cost_micros: Number(row.llm_cost_micros) }))).toEqual(
      api.rows.map(({ bucket, ...row }) => ({ day: String(bucket).slice(0, 10), ...row })),
    )
  })
})
