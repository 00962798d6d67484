import { randomUUID } from 'node:crypto'
import { pino } from 'pino'
import type { EventRow } from '../../ingest/event-row.ts'
import { eventRow } from '../../ingest/server-event.ts'
import { createDb, type Db } from '../../platform/clickhouse/db.ts'
import { migrate } from '../../platform/clickhouse/migrate.ts'
import { createStateStore } from '../../platform/state/create-state-store.ts'
import { type AttributionOptions, attributionFamily } from '../../reports/families/attribution.ts'
import type { AnalyticsResult } from '../../reports/semantic/analytics-result.ts'
import { resolveWindow, windowInput } from '../../reports/semantic/analytics-window.ts'
import { runFamily } from '../../reports/semantic/metric-family.ts'
import { testClickHouse } from './clickhouse.ts'
import { tempDir } from './temp-dir.ts'
import { withoutNames } from './without-names.ts'

/** A migrated database and the attribution family over it. */
export async function attributionDb() {
  const clickhouse = await testClickHouse()
  const logger = pino({ level: 'silent' })
  const state = await createStateStore({ dataDir: await tempDir(), redisUrl: undefined }, logger)
  try {
    await migrate({ clickhouse, state, logger })
  } finally {
    await state.close()
  }
  const db = createDb(clickhouse)
  return { db, family: attributionFamily(db.tables) }
}

export interface ChatInput {
  session: string
  /** First engaged interaction (a visitor message unless `engagedBy` says otherwise). */
  at: number
  /** Last event of the session; defaults to `at`. */
  endAt?: number
  anonymousId?: string
  customerId?: string
  flowId?: string
  intent?: string
  quickQuestion?: string
  widgetKey?: string
  engagedBy?: 'message.sent' | 'form.submitted' | 'quick_question.clicked'
}

/** The events of one engaged chat session: its engaging interaction and, when later, its last event. */
export function chatEvents(tenantId: string, chat: ChatInput): EventRow[] {
  const common = {
    tenant_id: tenantId,
    chat_session_id: chat.session,
    anonymous_id: chat.anonymousId ?? '',
    customer_id: chat.customerId ?? '',
    flow_id: chat.flowId ?? '',
    intent: chat.intent ?? '',
    widget_key: chat.widgetKey ?? '',
  }
  const type = chat.engagedBy ?? (chat.quickQuestion ? 'quick_question.clicked' : 'message.sent')
  const props = chat.quickQuestion ? { question_id: chat.quickQuestion } : {}
  const engaged = eventRow({ ...common, type, ts: chat.at, received_at: chat.at, props }, 'widget')
  if (chat.endAt === undefined || chat.endAt === chat.at) return [engaged]
  const end = eventRow({ ...common, type: 'block.rendered', ts: chat.endAt, received_at: chat.endAt })
  return [engaged, end]
}

export interface ConversionInput {
  id: string
  at: number
  valueMicros: number
  currency?: string
  orderId?: string
  chatSessionId?: string
  customerId?: string
  anonymousId?: string
  emailHash?: string
}

/** A backend `conversion` event as `POST /v1/engine/conversions` records it. */
export function conversionEvent(tenantId: string, sale: ConversionInput): EventRow {
  return eventRow(
    {
      tenant_id: tenantId,
      type: 'conversion',
      ts: sale.at,
      received_at: sale.at,
      chat_session_id: sale.chatSessionId ?? '',
      customer_id: sale.customerId ?? '',
      anonymous_id: sale.anonymousId ?? '',
      value_micros: sale.valueMicros,
      currency: sale.currency ?? 'EUR',
      props: {
        conversion_id: sale.id,
        order_id: sale.orderId ?? sale.id,
        email_hash: sale.emailHash ?? '',
        line_items: [],
      },
    },
    'backend',
  )
}

/** A widget `purchase` beacon as the intake records it (it counts only under a `counted` tenant setting). */
export function purchaseEvent(
  tenantId: string,
  order: { orderId: string; at: number; valueMicros: number; currency?: string; anonymousId: string } & {
    chatSessionId?: string
    customerId?: string
  },
): EventRow {
  return eventRow(
    {
      tenant_id: tenantId,
      type: 'purchase',
      ts: order.at,
      received_at: order.at,
      chat_session_id: order.chatSessionId ?? '',
      customer_id: order.customerId ?? '',
      anonymous_id: order.anonymousId,
      value_micros: order.valueMicros,
      currency: order.currency ?? 'EUR',
      props: { order_id: order.orderId },
    },
    'widget',
  )
}

/** The tenant's conversion settings row: purchase beacons counted (below `maxMicros` when not 0). */
export function countPurchaseBeacons(db: Db, tenantId: string, maxMicros = 0): Promise<void> {
  return db.insert('conversion_settings', [
    {
      tenant_id: tenantId,
      purchase_beacons: 'counted',
      purchase_beacon_max_micros: maxMicros,
      updated_at: Date.now(),
    },
  ])
}

/** A widget `identify` event linking an anonymous id to a customer id. */
export function identifyEvent(
  tenantId: string,
  anonymousId: string,
  customerId: string,
  at: number,
): EventRow {
  return eventRow(
    {
      tenant_id: tenantId,
      type: 'identify',
      ts: at,
      received_at: at,
      anonymous_id: anonymousId,
      customer_id: customerId,
    },
    'widget',
  )
}

/** A widget event that makes a visitor seen without engaging (a page view). */
export function pageViewEvent(tenantId: string, anonymousId: string, at: number): EventRow {
  return eventRow(
    { tenant_id: tenantId, type: 'page.viewed', ts: at, received_at: at, anonymous_id: anonymousId },
    'widget',
  )
}

export interface AttributeQuery {
  metrics: string[]
  groupBy?: string[]
  filters?: Record<string, string[]>
  options?: Partial<Record<keyof AttributionOptions, unknown>>
  from: string
  to: string
  timezone?: string
  granularity?: 'day' | 'total'
}

/** Runs the attribution family for one tenant as `GET /v1/analytics/attribution` would (numbers, no names). */
export async function attribute(
  { db, family }: { db: Db; family: ReturnType<typeof attributionFamily> },
  tenantId: string,
  query: AttributeQuery,
): Promise<AnalyticsResult> {
  const windows = resolveWindow(
    windowInput.parse({
      from: query.from,
      to: query.to,
      timezone: query.timezone ?? 'UTC',
      granularity: query.granularity ?? 'total',
    }),
    Date.now(),
  )
  const result = await runFamily(
    db,
    family,
    {
      tenantId,
      metrics: query.metrics,
      groupBy: query.groupBy ?? [],
      filters: query.filters ?? {},
      options: family.options.parse(query.options ?? {}),
    },
    windows,
  )
  return { ...result, rows: withoutNames(result.rows), totals: withoutNames(result.totals) }
}

export const newTenant = () => randomUUID()
