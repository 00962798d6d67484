import { z } from 'zod'
import { toIsoTime } from '../../platform/clickhouse/datetime.ts'
import type { Db } from '../../platform/clickhouse/db.ts'
import { AppError } from '../../platform/errors/catalog.ts'
import {
  type ExecutionFilter,
  type ExecutionSummaryRow,
  executionEvents,
  findExecution,
  listExecutions,
} from './execution-history-queries.ts'

/** The steps a trace shows at most. */
const TRACE_LIMIT = 5_000

export const executionSummary = z.object({
  executionId: z.string(),
  intent: z.string(),
  flowId: z.string(),
  flowVersion: z.number(),
  chatSessionId: z.string(),
  startedAt: z.string(),
  status: z.string().describe("The last status recorded ('' until its first status event is stored)"),
  updatedAt: z.string(),
})

export const traceStep = z.object({
  at: z.string(),
  type: z.string().describe('chat.message.received, chat.form.submitted, chat.block.rendered, ...'),
  blockId: z.string().optional(),
  from: z.string().optional().describe('chat.execution.status_changed: the previous status'),
  to: z.string().optional().describe('chat.execution.status_changed: the new status'),
  error: z.string().optional().describe('chat.execution.status_changed: the error code, if any'),
  props: z.record(z.string(), z.unknown()),
})

export const executionTrace = executionSummary.extend({ steps: z.array(traceStep) })

export type ExecutionSummary = z.output<typeof executionSummary>
export type ExecutionTrace = z.output<typeof executionTrace>

/**
 * Execution history, read from the engine's events in ClickHouse (so it lags the live state by the sink's
 * batch wait): what the admin API and the MCP tools answer.
 */
export async function searchExecutions(
  db: Db,
  tenantId: string,
  filter: ExecutionFilter,
): Promise<ExecutionSummary[]> {
  if (filter.fromMs !== undefined && filter.toMs !== undefined && filter.fromMs >= filter.toMs) {
    throw new AppError('bad_request', '`from` must be before `to`')
  }
  return (await listExecutions(db, tenantId, filter)).map(toSummary)
}

/** One execution and its step trace (its engine events in order); 404 when it has none. */
export async function readExecutionTrace(
  db: Db,
  tenantId: string,
  executionId: string,
): Promise<ExecutionTrace> {
  const found = await findExecution(db, tenantId, executionId)
  if (!found) throw new AppError('not_found', `no recorded execution ${executionId}`)
  const events = await executionEvents(db, tenantId, executionId, TRACE_LIMIT)
  return {
    ...toSummary(found),
    steps: events.map((event) => ({
      at: toIsoTime(event.ts),
      type: event.type,
      ...(event.block_id ? { blockId: event.block_id } : {}),
      ...(event.status_from ? { from: event.status_from } : {}),
      ...(event.status_to ? { to: event.status_to } : {}),
      ...(event.error_code ? { error: event.error_code } : {}),
      props: parseProps(event.props),
    })),
  }
}

const toSummary = (row: ExecutionSummaryRow): ExecutionSummary => ({
  executionId: row.execution_id,
  intent: row.intent,
  flowId: row.flow_id,
  flowVersion: Number(row.flow_version),
  chatSessionId: row.chat_session_id,
  startedAt: toIsoTime(row.started_at),
  status: row.status,
  updatedAt: toIsoTime(row.updated_at),
})

function parseProps(raw: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(raw)
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {}
  } catch {
    return {}
  }
}
