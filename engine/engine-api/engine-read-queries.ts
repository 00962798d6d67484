import { sqlTypes } from '../../ingest/event-types.ts'
import type { Db } from '../../platform/clickhouse/db.ts'

/** A chat session as its events describe it; times are epoch ms. */
export interface SessionRow {
  chat_session_id: string
  widget_key: string
  anonymous_id: string
  opened_at: number
}

export interface ExecutionListRow {
  execution_id: string
  chat_session_id: string
  anonymous_id: string
  intent: string
  flow_id: string
  flow_version: number
  status: string
  started_at: number
  updated_at: number
}

export interface ExecutionListFilter {
  sessionId?: string
  anonymousId?: string
  /** Executions of every anonymous id an identify event or a conversion linked to this customer id. */
  customerId?: string
  fromMs?: number
  toMs?: number
  limit: number
}

const ms = (column: string) => `toFloat64(toUnixTimestamp64Milli(${column}))`

export async function findSession(
  db: Db,
  tenantId: string,
  sessionId: string,
): Promise<SessionRow | undefined> {
  const rows = await db.select<SessionRow>(
    `SELECT chat_session_id, any(widget_key) AS widget_key, any(anonymous_id) AS anonymous_id,
            ${ms('min(ts)')} AS opened_at
     FROM ${db.tables.events}
     WHERE tenant_id = {tenantId:UUID} AND type = ${sqlTypes('chat.session.opened')}
       AND chat_session_id = {sessionId:String}
     GROUP BY chat_session_id`,
    { tenantId, sessionId },
  )
  return rows[0]
}

/**
 * Executions of a tenant, newest first, narrowed to a chat session, an anonymous id, a customer (through
 * identity links) and a start-time range. Read from the engine events, so it lags the live state by the
 * sink's batch wait.
 */
export function listEngineExecutions(
  db: Db,
  tenantId: string,
  filter: ExecutionListFilter,
): Promise<ExecutionListRow[]> {
  return db.select<ExecutionListRow>(
    `SELECT execution_id, any(chat_session_id) AS chat_session_id, any(anonymous_id) AS anonymous_id,
            any(intent) AS intent, any(flow_id) AS flow_id, max(flow_version) AS flow_version,
            argMaxIf(status_to, ts, type = ${sqlTypes('chat.execution.status_changed')}) AS status,
            ${ms('min(ts)')} AS started_at, ${ms('max(ts)')} AS updated_at
     FROM (
       SELECT execution_id, chat_session_id, anonymous_id, intent, flow_id, flow_version, ts, type, status_to
       FROM ${db.tables.execution_events}
       WHERE tenant_id = {tenantId:UUID}
         AND ({sessionId:String} = '' OR chat_session_id = {sessionId:String})
         AND ({anonymousId:String} = '' OR anonymous_id = {anonymousId:String})
         AND ({customerId:String} = '' OR anonymous_id IN (
           SELECT from_id FROM ${db.tables.identity_links}
           WHERE tenant_id = {tenantId:UUID} AND from_kind = 'anonymous' AND to_kind = 'customer'
             AND to_id = {customerId:String}))
         AND ({fromMs:Int64} = 0 OR ts >= fromUnixTimestamp64Milli({fromMs:Int64}, 'UTC'))
     )
     GROUP BY execution_id
     HAVING {toMs:Int64} = 0 OR min(ts) < fromUnixTimestamp64Milli({toMs:Int64}, 'UTC')
     ORDER BY started_at DESC, execution_id
     LIMIT {limit:UInt32}`,
    {
      tenantId,
      sessionId: filter.sessionId ?? '',
      anonymousId: filter.anonymousId ?? '',
      customerId: filter.customerId ?? '',
      fromMs: filter.fromMs ?? 0,
      toMs: filter.toMs ?? 0,
      limit: filter.limit,
    },
  )
}
