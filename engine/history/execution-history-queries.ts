import { sqlTypes } from '../../ingest/event-types.ts'
import type { Db } from '../../platform/clickhouse/db.ts'

/** One execution as its engine events in `events` describe it. Times are ClickHouse DateTime64 strings. */
export interface ExecutionSummaryRow {
  execution_id: string
  intent: string
  flow_id: string
  flow_version: number
  chat_session_id: string
  started_at: string
  status: string
  updated_at: string
}

export interface ExecutionEventRow {
  ts: string
  type: string
  block_id: string
  /** Decoded by the execution_events view; '' for events that are not status changes. */
  status_from: string
  status_to: string
  error_code: string
  props: string
}

export interface ExecutionFilter {
  intent?: string
  status?: string
  /** Epoch ms: executions started at or after. */
  fromMs?: number
  /** Epoch ms: executions started before. */
  toMs?: number
  limit: number
}

// The aggregates reuse column names as aliases, so they read from a subquery that filters first
// (in one level, ClickHouse would resolve `intent` in WHERE to the alias `any(intent)`).
const EVENT_COLUMNS = 'execution_id, intent, flow_id, flow_version, chat_session_id, ts, type, status_to'

// The last status an execution moved to; an execution whose status events did not arrive yet reads ''.
const SUMMARY_COLUMNS = `
  execution_id,
  any(intent) AS intent,
  any(flow_id) AS flow_id,
  max(flow_version) AS flow_version,
  any(chat_session_id) AS chat_session_id,
  min(ts) AS started_at,
  argMaxIf(status_to, ts, type = ${sqlTypes('chat.execution.status_changed')}) AS status,
  max(ts) AS updated_at`

/**
 * Executions of a tenant, newest first. `from`/`to` bound the start time; since every event of an
 * execution is at or after its start, `from` also prunes the scan. Values travel as parameters only.
 */
export async function listExecutions(
  db: Db,
  tenantId: string,
  filter: ExecutionFilter,
): Promise<ExecutionSummaryRow[]> {
  return db.select<ExecutionSummaryRow>(
    `SELECT ${SUMMARY_COLUMNS}
     FROM (
       SELECT ${EVENT_COLUMNS} FROM ${db.tables.execution_events}
       WHERE tenant_id = {tenantId:UUID}
         AND ({intent:String} = '' OR intent = {intent:String})
         AND ({fromMs:Int64} = 0 OR ts >= fromUnixTimestamp64Milli({fromMs:Int64}, 'UTC'))
     )
     GROUP BY execution_id
     HAVING ({status:String} = '' OR status = {status:String})
       AND ({toMs:Int64} = 0 OR started_at < fromUnixTimestamp64Milli({toMs:Int64}, 'UTC'))
     ORDER BY started_at DESC, execution_id
     LIMIT {limit:UInt32}`,
    {
      tenantId,
      intent: filter.intent ?? '',
      status: filter.status ?? '',
      fromMs: filter.fromMs ?? 0,
      toMs: filter.toMs ?? 0,
      limit: filter.limit,
    },
  )
}

export async function findExecution(
  db: Db,
  tenantId: string,
  executionId: string,
): Promise<ExecutionSummaryRow | undefined> {
  const rows = await db.select<ExecutionSummaryRow>(
    `SELECT ${SUMMARY_COLUMNS}
     FROM (
       SELECT ${EVENT_COLUMNS} FROM ${db.tables.execution_events}
       WHERE tenant_id = {tenantId:UUID} AND execution_id = {executionId:String}
     )
     GROUP BY execution_id`,
    { tenantId, executionId },
  )
  return rows[0]
}

/**
 * The engine events of one execution in the order they happened. Events of one turn share a
 * millisecond, so ties are broken by their place in a turn (input, then goals and handoffs, then the
 * rendered blocks, then the status change) and by block id.
 */
export async function executionEvents(
  db: Db,
  tenantId: string,
  executionId: string,
  limit: number,
): Promise<ExecutionEventRow[]> {
  return db.select<ExecutionEventRow>(
    `SELECT ts, type, block_id, status_from, status_to, error_code, props
     FROM ${db.tables.execution_events}
     WHERE tenant_id = {tenantId:UUID} AND execution_id = {executionId:String}
     ORDER BY ts,
       multiIf(type IN (${sqlTypes('chat.message.received', 'chat.form.submitted')}), 0,
               type = ${sqlTypes('chat.block.rendered')}, 2,
               type = ${sqlTypes('chat.execution.status_changed')}, 3, 1),
       block_id
     LIMIT {limit:UInt32}`,
    { tenantId, executionId, limit },
  )
}
