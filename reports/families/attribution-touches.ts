import type { KnownEventType } from '../../ingest/event-types.ts'
import type { Tables } from '../../platform/clickhouse/db.ts'
import { inWindowSql } from '../semantic/time-bucket.ts'
import { sessionFirstIdsSql, withPersonSql } from './attribution-identity.ts'

/** The visitor interactions that can make a chat session engaged, and the event types that record each. */
export const ENGAGEMENT_EVENT_TYPES = {
  message: ['chat.message.received', 'message.sent'],
  quick_question: ['quick_question.clicked'],
  form: ['chat.form.submitted', 'form.submitted'],
} as const satisfies Record<string, readonly KnownEventType[]>
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
 * `sale_lines`: one line per conversion of the window whose touches are credited, with the ids that
 * identify it. A sale is credited for itself; a refund for its original sale (the earliest non-refund
 * conversion of the tenant with the same order_id, at any time): the original's time and ids, the refund's
 * own time and value. A refund without an original has no line. The tenant's conversions are read once,
 * grouped by order (a conversion without order_id alone): the order's lines in the window beside its original.
 */
export function saleLinesCte(tables: Tables): string {
  const lines = `(
    SELECT
      line.1 AS line_id, line.2 AS ts, line.3 AS value_micros, line.4 AS currency, line.5 AS is_refund,
      if(line.5 = 1, original.1, line.2) AS credited_ts,
      if(line.5 = 1, original.2, line.6) AS chat_session_id,
      if(line.5 = 1, original.3, line.7) AS customer_id,
      if(line.5 = 1, original.4, line.8) AS anonymous_id,
      if(line.5 = 1, original.5, line.9) AS email_hash
    FROM (
      SELECT
        groupArrayIf((conversion_id, ts, value_micros, currency, is_refund, chat_session_id, customer_id,
                      anonymous_id, email_hash), ${inWindowSql('ts')}) AS order_lines,
        argMinIf((ts, chat_session_id, customer_id, anonymous_id, email_hash), (ts, conversion_id),
                 is_refund = 0 AND order_id != '') AS original,
        countIf(is_refund = 0 AND order_id != '') > 0 AS has_original
      FROM ${tables.conversions}
      WHERE tenant_id = {tenant_id:UUID}
      GROUP BY order_id, if(order_id = '', conversion_id, '')
      HAVING notEmpty(order_lines)
    )
    ARRAY JOIN order_lines AS line
    WHERE line.5 = 0 OR has_original
  )`
  return `sale_lines AS (${sessionFirstIdsSql(tables, lines, LINE_COLUMNS, 'email_hash')})`
}

const EPOCH = "toDateTime64(0, 3, 'UTC')"
const LINE_DEFAULTS = ["''", EPOCH, 'toInt64(0)', "''", 'toUInt8(0)', EPOCH]
const TOUCH_DEFAULTS = ["''", EPOCH, EPOCH, "''", "''", "''", "''"]
const IDS = ['id_customer', 'id_email', 'id_anonymous', 'id_session']

/**
 * `counted_touches`: each sale line with the engaged sessions of its person whose touch time is at or
 * before the credited conversion and at most `{lookback_ms}` before it (both edges inclusive). Lines and
 * sessions are resolved to people in one pass (one read of the identity links) and paired within each
 * person's arrays, rather than joined, so no relation is read twice.
 */
export function countedTouchesCte(): string {
  const padded = (own: string[], other: string[]) => [...own, ...other].join(', ')
  const sides = `(
    SELECT 1 AS is_line, ${padded(
      LINE_COLUMNS,
      TOUCH_DEFAULTS.map((value, index) => `${value} AS ${TOUCH_COLUMNS[index]}`),
    )}, ${IDS.join(', ')}
    FROM sale_lines
    UNION ALL
    SELECT 0, ${padded(LINE_DEFAULTS, TOUCH_COLUMNS)}, ${IDS.join(', ')}
    FROM engaged_sessions
  )`
  const line = (index: number) => `line.${index + 1} AS ${LINE_COLUMNS[index]}`
  const touch = (index: number) => `touch.${index + 1} AS ${TOUCH_COLUMNS[index]}`
  return `counted_touches AS (
    SELECT
      ${LINE_COLUMNS.map((_, index) => line(index)).join(', ')},
      ${TOUCH_COLUMNS.map((_, index) => touch(index)).join(', ')},
      toUnixTimestamp64Milli(credited_ts) - toUnixTimestamp64Milli(touch_time) AS age_ms
    FROM (
      SELECT
        groupArrayIf((${LINE_COLUMNS.join(', ')}), is_line = 1) AS lines,
        groupArrayIf((${TOUCH_COLUMNS.join(', ')}), is_line = 0) AS touches
      FROM (${withPersonSql(sides, ['is_line', ...LINE_COLUMNS, ...TOUCH_COLUMNS])})
      WHERE person != ''
      GROUP BY person
      HAVING notEmpty(lines) AND notEmpty(touches)
    )
    ARRAY JOIN lines AS line
    ARRAY JOIN touches AS touch
    WHERE age_ms BETWEEN 0 AND {lookback_ms:Int64}
  )`
}
