import type { Tables } from '../../platform/clickhouse/db.ts'
import { inWindowSql } from '../semantic/time-bucket.ts'
import { sessionFirstIdsSql, withPersonSql } from './attribution-identity.ts'

/** The visitor interactions that can make a chat session engaged, and the event types that record each. */
export const ENGAGEMENT_EVENT_TYPES = {
  message: ['chat.message.received', 'message.sent'],
  quick_question: ['quick_question.clicked'],
  form: ['chat.form.submitted', 'form.submitted'],
} as const
export type EngagementKind = keyof typeof ENGAGEMENT_EVENT_TYPES
export const ENGAGEMENT_KINDS = Object.keys(ENGAGEMENT_EVENT_TYPES) as EngagementKind[]

/** The event types of the chosen kinds; all kinds is exactly the `chat_sessions.engaged` definition. */
export function engagementEventTypes(kinds: EngagementKind[]): string[] {
  return kinds.flatMap((kind) => ENGAGEMENT_EVENT_TYPES[kind])
}

const TOUCH_COLUMNS = [
  'chat_session_id',
  'touch_time',
  'ended_at',
  'flow_id',
  'intent',
  'quick_question',
  'widget_key',
]

/**
 * `engaged_sessions`: the tenant's sessions that count as touches, with their ids and touch time (first
 * engaged interaction). With every kind chosen they are `chat_sessions` rows with `engaged = 1` as they
 * are; with fewer, the touch time is the first event of the chosen types (`{engaged_types}`) in the session.
 * A session is identified by its own ids (customer, else anonymous, else itself).
 */
export function engagedSessionsCte(tables: Tables, kinds: EngagementKind[]): string {
  const sessions = `${tables.chat_sessions} AS session`
  const chosen =
    kinds.length === ENGAGEMENT_KINDS.length
      ? `assumeNotNull(session.touch_time) AS touch_time FROM ${sessions}
         WHERE session.tenant_id = {tenant_id:UUID} AND session.engaged = 1`
      : `first_engagement.touch_time AS touch_time FROM ${sessions}
         INNER JOIN (
           SELECT chat_session_id, min(ts) AS touch_time
           FROM ${tables.events}
           WHERE tenant_id = {tenant_id:UUID} AND chat_session_id != '' AND type IN {engaged_types:Array(String)}
           GROUP BY chat_session_id
         ) AS first_engagement ON first_engagement.chat_session_id = session.chat_session_id
         WHERE session.tenant_id = {tenant_id:UUID}`
  return `engaged_sessions AS (
    SELECT
      session.chat_session_id AS chat_session_id,
      session.ended_at AS ended_at,
      session.last_flow_id AS flow_id,
      session.last_intent AS intent,
      session.last_quick_question AS quick_question,
      session.widget_key AS widget_key,
      session.customer_id AS id_customer,
      '' AS id_email,
      session.anonymous_id AS id_anonymous,
      session.chat_session_id AS id_session,
      ${chosen}
  )`
}

const CONVERSION_COLUMNS = [
  'conversion_id',
  'order_id',
  'ts',
  'value_micros',
  'currency',
  'is_refund',
  'chat_session_id',
  'customer_id',
  'anonymous_id',
  'email_hash',
]

/** `window_conversions`: every conversion of the tenant (sales and refunds) with `ts` in the window. */
export function windowConversionsCte(tables: Tables): string {
  return `window_conversions AS (
    SELECT ${CONVERSION_COLUMNS.join(', ')} FROM ${tables.conversions}
    WHERE tenant_id = {tenant_id:UUID} AND ${inWindowSql('ts')}
  )`
}

const LINE_COLUMNS = ['line_id', 'ts', 'value_micros', 'currency', 'is_refund', 'credited_ts']

/**
 * `sale_lines`: one line per conversion of the window whose touches are credited, with its person. A sale
 * is credited for itself; a refund for its original sale (the earliest non-refund conversion of the tenant
 * with the same order_id, at any time): the original's time and ids, the refund's own time and value. A
 * refund without an original has no line.
 */
export function saleLinesCte(tables: Tables): string {
  const earliest = (column: string) => `argMin(${column}, (ts, conversion_id)) AS first_${column}`
  const credited = (column: string) => `if(line.is_refund = 1, original.first_${column}, line.${column})`
  const lines = `(
    SELECT
      line.conversion_id AS line_id, line.ts AS ts, line.value_micros AS value_micros,
      line.currency AS currency, line.is_refund AS is_refund,
      ${credited('ts')} AS credited_ts,
      ${credited('chat_session_id')} AS chat_session_id,
      ${credited('customer_id')} AS customer_id,
      ${credited('anonymous_id')} AS anonymous_id,
      ${credited('email_hash')} AS email_hash
    FROM window_conversions AS line
    LEFT JOIN (
      SELECT order_id, ${['ts', 'chat_session_id', 'customer_id', 'anonymous_id', 'email_hash'].map(earliest).join(', ')}
      FROM ${tables.conversions}
      WHERE tenant_id = {tenant_id:UUID} AND is_refund = 0 AND order_id != ''
      GROUP BY order_id
    ) AS original ON original.order_id = line.order_id
    WHERE line.is_refund = 0 OR original.order_id != ''
  )`
  return `sale_lines AS (
    ${withPersonSql(`(${sessionFirstIdsSql(tables, lines, LINE_COLUMNS, 'email_hash')})`, LINE_COLUMNS)}
  )`
}

/**
 * `counted_touches`: each sale line joined to the engaged sessions of its person whose touch time is at
 * or before the credited conversion and at most `{lookback_ms}` before it (both edges inclusive).
 */
export function countedTouchesCte(): string {
  return `counted_touches AS (
    SELECT
      line.line_id AS line_id,
      line.ts AS ts,
      line.value_micros AS value_micros,
      line.currency AS currency,
      line.is_refund AS is_refund,
      line.credited_ts AS credited_ts,
      ${TOUCH_COLUMNS.map((column) => `touch.${column} AS ${column}`).join(',\n      ')},
      toUnixTimestamp64Milli(line.credited_ts) - toUnixTimestamp64Milli(touch.touch_time) AS age_ms
    FROM sale_lines AS line
    INNER JOIN (${withPersonSql('engaged_sessions', TOUCH_COLUMNS)}) AS touch ON touch.person = line.person
    WHERE line.person != '' AND age_ms BETWEEN 0 AND {lookback_ms:Int64}
  )`
}
