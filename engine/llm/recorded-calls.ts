import { z } from 'zod'
import type { EventRow } from '../../ingest/event-row.ts'
import type { Db } from '../../platform/clickhouse/db.ts'

export interface BackfillRange {
  fromMs: number
  /** Exclusive. */
  toMs: number
  tenantId?: string
}

/** Where the next page starts: the last call handled, in (tenant, ts, call id) order. */
export interface BackfillCursor {
  tenantId: string
  tsMs: number
  callId: string
}

type Envelope = Pick<
  EventRow,
  | 'widget_key'
  | 'anonymous_id'
  | 'session_id'
  | 'chat_session_id'
  | 'execution_id'
  | 'customer_id'
  | 'intent'
  | 'flow_id'
  | 'flow_version'
  | 'block_id'
>

const tokens = z.number().int().nonnegative().catch(0)

/** The props of an `llm.call` as the backfill needs them; a missing or odd field reads as empty. */
const callProps = z.object({
  provider: z.string().catch(''),
  model: z.string().catch(''),
  prompt_tokens: tokens,
  cached_prompt_tokens: tokens,
  completion_tokens: tokens,
  total_tokens: tokens,
  cost_micros: z.number().int().catch(0),
  cost_source: z.string().catch(''),
})

/** One stored `llm.call` event. */
export interface RecordedCall {
  tenantId: string
  callId: string
  tsMs: number
  envelope: Envelope
  props: z.output<typeof callProps>
}

type CallRow = Envelope & { tenant_id: string; event_id: string; ts_ms: string; props: string }

const inRange = (table: string, tenantFilter: boolean) =>
  `${table}.ts >= fromUnixTimestamp64Milli({fromMs:Int64}, 'UTC')
   AND ${table}.ts < fromUnixTimestamp64Milli({toMs:Int64}, 'UTC')
   ${tenantFilter ? `AND ${table}.tenant_id = {tenantId:UUID}` : ''}`

/** The next `limit` calls of the range after `after`, in (tenant, ts, call id) order. */
export async function readCallPage(
  db: Db,
  range: BackfillRange,
  after: BackfillCursor | undefined,
  limit: number,
): Promise<RecordedCall[]> {
  const rows = await db.select<CallRow>(
    `SELECT tenant_id, event_id, toString(toUnixTimestamp64Milli(ts)) AS ts_ms, widget_key, anonymous_id,
       session_id, chat_session_id, execution_id, customer_id, intent, flow_id, flow_version, block_id, props
     FROM ${db.tables.events} AS e
     WHERE e.type = 'llm.call' AND ${inRange('e', range.tenantId !== undefined)}
       ${after ? `AND (e.tenant_id, e.ts, e.event_id) > ({afterTenant:UUID}, fromUnixTimestamp64Milli({afterMs:Int64}, 'UTC'), {afterId:UUID})` : ''}
     ORDER BY e.tenant_id, e.ts, e.event_id
     LIMIT {limit:UInt32}`,
    {
      fromMs: range.fromMs,
      toMs: range.toMs,
      limit,
      ...(range.tenantId === undefined ? {} : { tenantId: range.tenantId }),
      ...(after ? { afterTenant: after.tenantId, afterMs: after.tsMs, afterId: after.callId } : {}),
    },
  )
  return rows.map(({ tenant_id, event_id, ts_ms, props, ...envelope }) => ({
    tenantId: tenant_id,
    callId: event_id,
    tsMs: Number(ts_ms),
    envelope: { ...envelope, flow_version: Number(envelope.flow_version) },
    props: callProps.parse(parseJson(props)),
  }))
}

/**
 * Each call's current total cost (its call row plus every adjustment, from `llm_calls`) and how many
 * adjustments it has. Adjustments carry their call's ts, so the range finds them too.
 */
export async function readCallTotals(
  db: Db,
  range: BackfillRange,
  calls: readonly RecordedCall[],
): Promise<Map<string, { costMicros: number; adjustments: number }>> {
  if (calls.length === 0) return new Map()
  const rows = await db.select<{ call_id: string; cost_micros: string; adjustments: string }>(
    `SELECT call_id, toString(sum(cost_micros)) AS cost_micros, toString(countIf(kind = 'adjustment')) AS adjustments
     FROM ${db.tables.llm_calls} AS c
     WHERE ${inRange('c', range.tenantId !== undefined)} AND c.call_id IN {callIds:Array(String)}
     GROUP BY call_id`,
    {
      fromMs: range.fromMs,
      toMs: range.toMs,
      callIds: calls.map((call) => call.callId),
      ...(range.tenantId === undefined ? {} : { tenantId: range.tenantId }),
    },
  )
  return new Map(
    rows.map((row) => [
      row.call_id,
      { costMicros: Number(row.cost_micros), adjustments: Number(row.adjustments) },
    ]),
  )
}

/** How many calls the range holds, for the progress bar. */
export async function countCalls(db: Db, range: BackfillRange): Promise<number> {
  const [row] = await db.select<{ calls: string }>(
    `SELECT toString(count()) AS calls FROM ${db.tables.events} AS e
     WHERE e.type = 'llm.call' AND ${inRange('e', range.tenantId !== undefined)}`,
    {
      fromMs: range.fromMs,
      toMs: range.toMs,
      ...(range.tenantId === undefined ? {} : { tenantId: range.tenantId }),
    },
  )
  return Number(row?.calls ?? 0)
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return {}
  }
}
