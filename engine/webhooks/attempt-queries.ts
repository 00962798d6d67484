import type { Db } from '../../platform/clickhouse/db.ts'

/** An attempt as the delivery log shows it; times are epoch ms. */
export interface AttemptLogRow {
  endpoint_id: string
  message_id: string
  event_type: string
  trigger: string
  attempt: number
  status: string
  http_status: number
  latency_ms: number
  error: string
  response_excerpt: string
  attempted_ms: number
  next_attempt_ms: number | null
}

export interface AttemptFilter {
  endpointId?: string
  messageId?: string
  status?: string
  /** Epoch ms: attempts at or after. */
  sinceMs?: number
  limit: number
}

const ms = (column: string) => `toFloat64(toUnixTimestamp64Milli(${column}))`

/** Attempts of one tenant, newest first, narrowed to an endpoint, an event, a status or a time. */
export function listAttempts(db: Db, tenantId: string, filter: AttemptFilter): Promise<AttemptLogRow[]> {
  return db.select<AttemptLogRow>(
    `SELECT endpoint_id, message_id, event_type, trigger, attempt, status, http_status,
            latency_ms, error, response_excerpt, ${ms('attempted_at')} AS attempted_ms,
            if(isNull(next_attempt_at), NULL, ${ms('assumeNotNull(next_attempt_at)')}) AS next_attempt_ms
     FROM ${db.tables.webhook_attempts}
     WHERE tenant_id = {tenantId:UUID}
       AND ({endpointId:String} = '' OR endpoint_id = toUUIDOrZero({endpointId:String}))
       AND ({messageId:String} = '' OR message_id = {messageId:String})
       AND ({status:String} = '' OR status = {status:String})
       AND attempted_at >= fromUnixTimestamp64Milli({sinceMs:Int64}, 'UTC')
     ORDER BY attempted_at DESC, attempt DESC
     LIMIT {limit:UInt32}`,
    {
      tenantId,
      endpointId: filter.endpointId ?? '',
      messageId: filter.messageId ?? '',
      status: filter.status ?? '',
      sinceMs: filter.sinceMs ?? 0,
      limit: filter.limit,
    },
  )
}

export interface StoredMessage {
  message_id: string
  event_type: string
  payload_sealed: string
}

export async function findMessage(
  db: Db,
  tenantId: string,
  messageId: string,
): Promise<StoredMessage | undefined> {
  const rows = await db.select<StoredMessage>(
    `SELECT message_id, event_type, payload_sealed FROM ${db.tables.webhook_messages} FINAL
     WHERE tenant_id = {tenantId:UUID} AND message_id = {messageId:String} LIMIT 1`,
    { tenantId, messageId },
  )
  return rows[0]
}

/**
 * The messages whose delivery to the endpoint failed for good (their latest attempt failed) at or after
 * `sinceMs`, oldest first: what "replay everything that failed since" sends again.
 */
export function failedMessagesSince(
  db: Db,
  tenantId: string,
  endpointId: string,
  sinceMs: number,
  limit: number,
): Promise<StoredMessage[]> {
  return db.select<StoredMessage>(
    `SELECT m.message_id AS message_id, m.event_type AS event_type, m.payload_sealed AS payload_sealed
     FROM (
       SELECT message_id, argMax(status, (attempted_at, attempt)) AS last_status, max(attempted_at) AS last_at
       FROM ${db.tables.webhook_attempts}
       WHERE tenant_id = {tenantId:UUID} AND endpoint_id = {endpointId:UUID}
         AND attempted_at >= fromUnixTimestamp64Milli({sinceMs:Int64}, 'UTC')
       GROUP BY message_id
       HAVING last_status = 'failed'
     ) AS failed
     INNER JOIN (
       SELECT message_id, event_type, payload_sealed FROM ${db.tables.webhook_messages} FINAL
       WHERE tenant_id = {tenantId:UUID}
     ) AS m ON m.message_id = failed.message_id
     ORDER BY failed.last_at, m.message_id
     LIMIT {limit:UInt32}`,
    { tenantId, endpointId, sinceMs, limit },
  )
}
