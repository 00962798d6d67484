import { sqlTypes } from '../../ingest/event-types.ts'
import type { Tables } from '../../platform/clickhouse/db.ts'
import { inWindowSql } from '../semantic/time-bucket.ts'

const ENGAGED_TYPES = `(${sqlTypes('chat.message.received', 'message.sent', 'quick_question.clicked', 'chat.form.submitted', 'form.submitted')})`
const IS_RENDER = `type = ${sqlTypes('chat.block.rendered')}`
const IS_TRIGGER = `type = ${sqlTypes('chat.message.received')} AND JSONExtractString(props, 'kind') = 'trigger'`
const STATUS_TO = (status: string) =>
  `countIf(type = ${sqlTypes('chat.execution.status_changed')} AND JSONExtractString(props, 'to') = '${status}') > 0`
/** The block an execution stopped at: latest render; in one turn the waiting input block renders last. */
const LAST_BLOCK = `argMaxIf(block_id, (ts, JSONExtractString(props, 'block_type') IN ('buttons', 'form'), block_id),
  ${IS_RENDER})`
const latest = (column: string) => `argMaxIf(${column}, ts, ${column} != '')`

/** Measure columns every fact row carries (0 or NULL where a kind of row does not measure it). */
const MEASURES = [
  'f_impression',
  'f_open',
  'f_qq_click',
  'f_message',
  'f_trigger',
  'f_session',
  'f_engaged',
  'f_reply_ms',
  'f_exec_started',
  'f_exec_completed',
  'f_exec_failed',
  'f_exec_aborted',
  'f_block_reached',
  'f_block_dropped',
] as const
type Measure = (typeof MEASURES)[number]

const measures = (set: Partial<Record<Measure, string>>) =>
  MEASURES.map(
    (name) => `${set[name] ?? (name === 'f_reply_ms' ? "CAST(NULL, 'Nullable(Float64)')" : '0')} AS ${name}`,
  ).join(', ')

/**
 * Engagement facts, four kinds of rows over the tenant's events in the window: one per event (widget
 * impressions, opens, quick-question clicks, visitor messages, intent triggers), one per chat session
 * opened (engaged?, time to first reply), one per execution triggered (completed, failed, aborted) and
 * one per (execution, block rendered) (reached, dropped off there). The execution and block rows come from
 * one aggregation with two grouping sets, so `ev` is read three times, not five. See sql/README.md, Engagement.
 */
export function engagementFactsSql(tables: Tables): string {
  return `
    WITH ev AS (
      SELECT ts, type, props, chat_session_id, execution_id, block_id, widget_key, intent, flow_id,
        device_type, country, utm_source
      FROM ${tables.events}
      WHERE tenant_id = {tenantId:UUID} AND ${inWindowSql('ts')}
        AND type IN (${sqlTypes('widget.loaded', 'widget.opened', 'quick_question.clicked', 'message.sent', 'form.submitted', 'chat.session.opened', 'chat.message.received', 'chat.form.submitted', 'chat.block.rendered', 'chat.execution.status_changed')})
    )
    SELECT ts, flow_id AS flow, intent, widget_key, block_id AS block, device_type, country, utm_source,
      ${measures({
        f_impression: `toUInt8(type = ${sqlTypes('widget.loaded')})`,
        f_open: `toUInt8(type = ${sqlTypes('widget.opened')})`,
        f_qq_click: `toUInt8(type = ${sqlTypes('quick_question.clicked')})`,
        f_message: `toUInt8(type = ${sqlTypes('chat.message.received')})`,
        f_trigger: `toUInt8(${IS_TRIGGER})`,
      })}
    FROM ev
    UNION ALL
    SELECT opened_at, flow, intent, widget_key, '', device_type, country, utm_source,
      ${measures({
        f_session: '1',
        f_engaged: 'engaged',
        f_reply_ms: `if(isNull(first_message) OR empty(replies), NULL,
          toFloat64(toUnixTimestamp64Milli(arrayMin(replies)) - toUnixTimestamp64Milli(assumeNotNull(first_message))))`,
      })}
    FROM (
      SELECT *, arrayFilter(t -> t >= first_message, rendered) AS replies
      FROM (
        SELECT chat_session_id,
          minIf(ts, type = ${sqlTypes('chat.session.opened')}) AS opened_at,
          toUInt8(countIf(type IN ${ENGAGED_TYPES}) > 0) AS engaged,
          if(countIf(type = ${sqlTypes('chat.message.received')}) = 0, NULL, minIf(ts, type = ${sqlTypes('chat.message.received')})) AS first_message,
          groupArrayIf(ts, type = ${sqlTypes('chat.block.rendered')}) AS rendered,
          ${latest('flow_id')} AS flow, ${latest('intent')} AS intent, ${latest('widget_key')} AS widget_key,
          ${latest('device_type')} AS device_type, ${latest('country')} AS country, ${latest('utm_source')} AS utm_source
        FROM ev WHERE chat_session_id != ''
        GROUP BY chat_session_id
        HAVING countIf(type = ${sqlTypes('chat.session.opened')}) > 0
      )
    )
    UNION ALL
    SELECT if(per_execution, started_at, first_render), flow, intent, widget_key, if(per_execution, '', block_id),
      '', '', '',
      ${measures({
        f_exec_started: 'toUInt8(per_execution)',
        f_exec_completed: 'toUInt8(per_execution AND completed)',
        f_exec_failed: 'toUInt8(per_execution AND failed)',
        f_exec_aborted: 'toUInt8(per_execution AND aborted)',
        f_block_reached: 'toUInt8(NOT per_execution)',
        f_block_dropped:
          'toUInt8(NOT per_execution AND execution_last_block = block_id AND NOT execution_completed)',
      })}
    FROM (
      -- A block row takes its execution's last block and completion from the execution's row.
      SELECT *, anyIf(last_block, per_execution) OVER execution AS execution_last_block,
        anyIf(completed, per_execution) OVER execution AS execution_completed
      FROM (
        SELECT execution_id, block_id, grouping(block_id) = 1 AS per_execution,
          minIf(ts, ${IS_TRIGGER}) AS started_at, countIf(${IS_TRIGGER}) AS triggers,
          minIf(ts, ${IS_RENDER}) AS first_render, countIf(${IS_RENDER}) AS renders,
          if(per_execution, any(flow_id), anyIf(flow_id, ${IS_RENDER})) AS flow,
          if(per_execution, any(intent), anyIf(intent, ${IS_RENDER})) AS intent,
          if(per_execution, any(widget_key), anyIf(widget_key, ${IS_RENDER})) AS widget_key,
          ${STATUS_TO('completed')} AS completed, ${STATUS_TO('failed')} AS failed,
          ${STATUS_TO('aborted')} AS aborted, ${LAST_BLOCK} AS last_block
        FROM ev WHERE execution_id != ''
        GROUP BY GROUPING SETS ((execution_id), (execution_id, block_id))
      )
      WINDOW execution AS (PARTITION BY execution_id)
    )
    WHERE if(per_execution, triggers > 0, renders > 0)`
}
