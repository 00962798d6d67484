import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { FLOW_SCRIPTS } from '../../demo/generate/demo-catalog.ts'
import { generateHistory } from '../../demo/generate/generate-history.ts'
import { type GenerationOptions, generationInput } from '../../demo/generate/generation-options.ts'
import { SummaryTally } from '../../demo/generate/generation-summary.ts'
import type { EventRow } from '../../ingest/event-row.ts'
import { eventRow } from '../../ingest/server-event.ts'
import { createDb, type Tables } from '../../platform/clickhouse/db.ts'
import { migrate } from '../../platform/clickhouse/migrate.ts'
import { renderDdl, splitStatements } from '../../platform/clickhouse/render-ddl.ts'
import { createStateStore } from '../../platform/state/create-state-store.ts'
import { attributionFamily } from '../../reports/families/attribution.ts'
import { ATTRIBUTION_MODELS } from '../../reports/families/attribution-credits.ts'
import { conversionsFamily } from '../../reports/families/conversions.ts'
import { engagementFamily } from '../../reports/families/engagement.ts'
import { goalsFamily } from '../../reports/families/goals.ts'
import { tokenSpendFamily } from '../../reports/families/token-spend.ts'
import { resolveWindow, windowInput } from '../../reports/semantic/analytics-window.ts'
import { type MetricFamily, runFamily } from '../../reports/semantic/metric-family.ts'
import { testClickHouse } from '../support/clickhouse.ts'
import { tempDir } from '../support/temp-dir.ts'

/**
 * The fast path (migration 0040: chat sessions, conversions and identity owners kept as aggregate states by
 * materialized views) against the straightforward one (the views of 0015 and 0016 over `events`, and the
 * latest links grouped from `identity_links`), on a generated month that crosses the end of summer time in
 * Berlin, in EUR and USD, with refunds, purchase beacons, and a second wave of late events: identifies made
 * after the chats and sales, refunds, a re-sent conversion, chat events older than the session's first one
 * and LLM cost backfills. Every family and attribution model, by day in Europe/Berlin, must give the same
 * rows and totals from both paths, before and after the states are merged.
 */
const clickhouse = await testClickHouse()
const logger = pino({ level: 'silent' })
const state = await createStateStore({ dataDir: await tempDir(), redisUrl: undefined }, logger)
try {
  await migrate({ clickhouse, state, logger })
} finally {
  await state.close()
}
const db = createDb(clickhouse)
const target = { database: clickhouse.database, cluster: undefined }

/** The last definition of `view` in `migration`, created as `ref_<view>`: the straightforward query. */
async function referenceView(migration: string, view: string): Promise<string> {
  const text = await readFile(path.join(import.meta.dirname, '../../sql/migrations', migration), 'utf8')
  const statement = splitStatements(text)
    .filter((candidate) => candidate.includes(`VIEW {{db}}.${view} `))
    .at(-1)
  if (!statement) throw new Error(`${migration} defines no view ${view}`)
  await db.command(renderDdl(statement.replace(`{{db}}.${view} `, `{{db}}.ref_${view} `), target))
  return `${clickhouse.database}.ref_${view}`
}

const reference: Tables = {
  ...db.tables,
  chat_sessions: await referenceView('0015_chat_sessions_chat_events.sql', 'chat_sessions'),
  conversions: await referenceView('0016_purchase_beacon_trust.sql', 'conversions'),
  identity_owners: `${clickhouse.database}.ref_identity_owners`,
}
await db.command(`CREATE VIEW ${reference.identity_owners} AS
  SELECT tenant_id, from_kind, from_id,
    argMaxIfState(to_id, (linked_at, to_id), to_kind = 'customer') AS customer_state,
    argMaxIfState(to_id, (linked_at, to_id), to_kind = 'email') AS email_state
  FROM ${db.tables.identity_links}
  GROUP BY tenant_id, from_kind, from_id`)

const tenantId = randomUUID()
// 30 days up to 2026-11-10: Berlin leaves summer time on 2026-10-25 (a 25-hour day).
const NOW = Date.parse('2026-11-10T12:00:00Z')
const options: GenerationOptions = {
  ...generationInput.parse({ visitors: 400, seed: 19, conversionRate: 0.4, chatUplift: 3 }),
  now: NOW,
}
const flows = new Map(
  Object.keys(FLOW_SCRIPTS).map((intent) => [intent, { flowId: `flow-${intent}`, version: 1 }]),
)
const history: EventRow[] = []
for (const batch of generateHistory(
  options,
  { tenantId, widgetKey: 'pk_fast', flows },
  new SummaryTally(),
  500,
)) {
  await db.insert('events', batch.rows)
  history.push(...batch.rows)
}
await db.insert('conversion_settings', [
  { tenant_id: tenantId, purchase_beacons: 'counted', purchase_beacon_max_micros: 0, updated_at: NOW },
])
await db.insert('goals', [
  {
    tenant_id: tenantId,
    goal_id: 'g-cart',
    name: 'Cart',
    kind: 'event',
    event_type: 'cart.added',
    created_at: NOW,
    updated_at: NOW,
  },
  {
    tenant_id: tenantId,
    goal_id: 'g-sale',
    name: 'Sale',
    kind: 'conversion',
    created_at: NOW,
    updated_at: NOW,
  },
])
await db.insert('events', lateEvents(history))

/** Events that arrive after the history they change (each kind the states must absorb exactly). */
function lateEvents(rows: EventRow[]): EventRow[] {
  const late: EventRow[] = []
  const at = NOW - 60_000
  const sessions = rows.filter((row) => row.type === 'chat.session.opened').slice(0, 40)
  for (const [index, opened] of sessions.entries()) {
    const ts = opened.ts
    // An identify made after the chat (and any sale): the anonymous id now belongs to a new customer.
    if (opened.anonymous_id && index % 2 === 0)
      late.push(
        widgetRow({
          type: 'identify',
          ts: at,
          anonymous_id: opened.anonymous_id,
          customer_id: `late-${index}`,
        }),
      )
    // A chat beacon older than the session's first event, engaging it: opened_at and touch_time move back.
    if (index % 3 === 0)
      late.push(
        widgetRow({
          type: 'message.sent',
          ts: ts - 5 * 60_000,
          chat_session_id: opened.chat_session_id,
          anonymous_id: opened.anonymous_id,
          intent: 'late-intent',
        }),
      )
  }
  const sales = rows.filter((row) => row.type === 'conversion' && row.value_micros > 0).slice(0, 30)
  for (const [index, sale] of sales.entries()) {
    const props = JSON.parse(sale.props) as Record<string, unknown>
    if (index % 2 === 0) {
      // A refund of the sale, reported days later.
      late.push({
        ...sale,
        event_id: randomUUID(),
        ts: Math.min(sale.ts + 3 * 86_400_000, at),
        received_at: at,
        value_micros: -Math.round(sale.value_micros / 2),
        props: JSON.stringify({ ...props, conversion_id: `${String(props.conversion_id)}-refund` }),
      })
    } else {
      // The same conversion sent again with another value: the first one received still counts.
      late.push({
        ...sale,
        event_id: randomUUID(),
        received_at: at,
        value_micros: sale.value_micros + 1,
      })
    }
  }
  for (const call of rows.filter((row) => row.type === 'llm.call').slice(0, 20)) {
    // A price backfill: the call's cost adjusted later, same envelope and time as the call.
    const props = JSON.parse(call.props) as Record<string, unknown>
    late.push({
      ...call,
      event_id: randomUUID(),
      type: 'llm.cost_adjusted',
      received_at: at,
      props: JSON.stringify({
        ...props,
        cost_micros: 1234,
        prompt_tokens: 0,
        completion_tokens: 0,
        total_tokens: 0,
      }),
    })
  }
  return late
}

function widgetRow(fields: { type: string; ts: number } & Record<string, string | number>): EventRow {
  return eventRow(
    { tenant_id: tenantId, received_at: NOW, ...fields } as Parameters<typeof eventRow>[0],
    'widget',
  )
}

const windows = resolveWindow(
  windowInput.parse({ from: '2026-10-11', to: '2026-11-10', timezone: 'Europe/Berlin', granularity: 'day' }),
  NOW,
)

interface Question {
  label: string
  family: (tables: Tables) => MetricFamily<never>
  metrics: string[]
  groupBy?: string[]
  options?: Record<string, unknown>
}

const attributionShapes = {
  credits: [
    'attributed_conversions',
    'attributed_revenue_micros',
    'direct_conversions',
    'assisted_conversions',
    'avg_time_to_convert_ms',
  ],
  llm_cost: ['llm_cost_micros', 'llm_cost_per_attributed_sale_micros'],
  visitors: ['visitors', 'converted_visitors', 'visitor_conversion_rate', 'engagement_uplift'],
}

const family = <T>(make: (tables: Tables) => MetricFamily<T>) => make as unknown as Question['family']
const allMetrics = (make: Question['family']) => Object.keys(make(db.tables).metrics)

const questions: Question[] = [
  { label: 'token spend', family: family(tokenSpendFamily), metrics: allMetrics(family(tokenSpendFamily)) },
  { label: 'engagement', family: family(engagementFamily), metrics: allMetrics(family(engagementFamily)) },
  { label: 'goals', family: family(goalsFamily), metrics: allMetrics(family(goalsFamily)) },
  {
    label: 'conversions',
    family: family(conversionsFamily),
    metrics: [
      'conversions',
      'refunds',
      'revenue_micros',
      'refunded_micros',
      'average_order_value_micros',
      'converting_visitors',
    ],
    groupBy: ['source', 'widget_key'],
  },
  {
    label: 'conversions, visitors',
    family: family(conversionsFamily),
    metrics: ['visitors', 'converting_visitors', 'conversion_rate'],
  },
  ...ATTRIBUTION_MODELS.flatMap((model) =>
    Object.entries(attributionShapes).map(([shape, metrics]) => ({
      label: `attribution ${model}, ${shape}`,
      family: family(attributionFamily),
      metrics,
      groupBy: shape === 'visitors' ? ['visitor_engagement'] : ['flow', 'intent'],
      options: { model },
    })),
  ),
  {
    label: 'attribution, quick questions only, 30-day lookback',
    family: family(attributionFamily),
    metrics: attributionShapes.credits,
    groupBy: ['quick_question', 'widget_key', 'time_to_convert_bucket'],
    options: { engaged_by: 'quick_question', lookback_days: 30 },
  },
]

async function answer(tables: Tables, question: Question) {
  const made = question.family(tables) as MetricFamily<Record<string, unknown>>
  const result = await runFamily(
    db,
    made,
    {
      tenantId,
      metrics: question.metrics,
      groupBy: question.groupBy ?? [],
      filters: {},
      options: made.options.parse(question.options ?? {}),
    },
    windows,
  )
  return { rows: result.rows, totals: result.totals }
}

describe('the analytics fast path', () => {
  it('was given a history with every case it must absorb', async () => {
    const [counts] = await db.select<Record<string, string>>(
      `SELECT countIf(type = 'conversion' AND value_micros < 0) AS refunds,
         countIf(type = 'purchase') AS beacons, countIf(type = 'identify') AS identifies,
         uniqExactIf(currency, type = 'conversion') AS currencies, countIf(type = 'llm.cost_adjusted') AS backfills
       FROM ${db.tables.events} WHERE tenant_id = {tenantId:UUID}`,
      { tenantId },
    )
    expect(Number(counts?.refunds)).toBeGreaterThan(10)
    expect(Number(counts?.beacons)).toBeGreaterThan(0)
    expect(Number(counts?.identifies)).toBeGreaterThan(20)
    expect(Number(counts?.currencies)).toBeGreaterThanOrEqual(2)
    expect(Number(counts?.backfills)).toBe(20)
  })

  it('keeps chat_sessions, conversions and the identity owners row for row', async () => {
    const sameRows = async (fast: string, slow: string, keys: string) => {
      const read = (relation: string) =>
        db.select<Record<string, unknown>>(
          `SELECT * FROM ${relation} WHERE tenant_id = {tenantId:UUID} ORDER BY ${keys}`,
          { tenantId },
        )
      const [fastRows, slowRows] = await Promise.all([read(fast), read(slow)])
      expect(fastRows.length).toBeGreaterThan(0)
      expect(fastRows).toEqual(slowRows)
    }
    await sameRows(db.tables.chat_sessions, reference.chat_sessions, 'chat_session_id')
    await sameRows(db.tables.conversions, reference.conversions, 'conversion_id')
    const owners = (relation: string) =>
      `(SELECT tenant_id, from_kind, from_id, argMaxIfMerge(customer_state) AS customer,
         argMaxIfMerge(email_state) AS email FROM ${relation} GROUP BY tenant_id, from_kind, from_id)`
    await sameRows(owners(db.tables.identity_owners), owners(reference.identity_owners), 'from_kind, from_id')
    const types = (relation: string) =>
      db.select<{ name: string; type: string }>(
        `SELECT name, type FROM system.columns
        WHERE database = {database:String} AND table = {table:String} ORDER BY position`,
        {
          database: clickhouse.database,
          table: relation.split('.')[1],
        },
      )
    expect(await types(db.tables.chat_sessions)).toEqual(await types(reference.chat_sessions))
    expect(await types(db.tables.conversions)).toEqual(await types(reference.conversions))
  })

  it.each(questions)('answers $label as the straightforward query does', async (question) => {
    const [fast, slow] = await Promise.all([answer(db.tables, question), answer(reference, question)])
    expect(fast.rows.length).toBeGreaterThan(0)
    expect(fast).toEqual(slow)
  })

  it('answers the same once the states are merged', async () => {
    for (const table of ['chat_session_states', 'conversion_states', 'identity_owners'])
      await db.command(`OPTIMIZE TABLE ${clickhouse.database}.${table} FINAL`)
    for (const question of questions) {
      const [fast, slow] = await Promise.all([answer(db.tables, question), answer(reference, question)])
      expect(fast, question.label).toEqual(slow)
    }
  })
})
