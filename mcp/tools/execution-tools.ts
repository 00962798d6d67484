import { z } from 'zod'
import {
  type ExecutionSummaryRow,
  executionEvents,
  findExecution,
  listExecutions,
} from '../../engine/history/execution-history-queries.ts'
import { EXECUTION_STATUSES } from '../../engine/runtime/execution.ts'
import { toIsoTime } from '../../platform/clickhouse/datetime.ts'
import { AppError } from '../../platform/errors/catalog.ts'
import { intentName } from '../../platform/tenancy/tenancy-schemas.ts'
import { type AnyTool, defineTool } from '../define-tool.ts'
import type { McpDeps } from '../mcp-deps.ts'

const readOnly = { readOnlyHint: true, idempotentHint: true, openWorldHint: false }
const TRACE_LIMIT = 5_000

const summary = z.object({
  executionId: z.string(),
  intent: z.string(),
  flowId: z.string(),
  flowVersion: z.number(),
  chatSessionId: z.string(),
  startedAt: z.string(),
  status: z.string().describe("The last status recorded ('' until its first status event is stored)"),
  updatedAt: z.string(),
})

const toSummary = (row: ExecutionSummaryRow): z.output<typeof summary> => ({
  executionId: row.execution_id,
  intent: row.intent,
  flowId: row.flow_id,
  flowVersion: Number(row.flow_version),
  chatSessionId: row.chat_session_id,
  startedAt: toIsoTime(row.started_at),
  status: row.status,
  updatedAt: toIsoTime(row.updated_at),
})

const parseProps = (raw: string): Record<string, unknown> => {
  try {
    const value: unknown = JSON.parse(raw)
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {}
  } catch {
    return {}
  }
}

/** Execution history over the same queries as /v1/admin/executions (engine events in ClickHouse). */
export function executionTools({ db }: Pick<McpDeps, 'db'>): AnyTool[] {
  return [
    defineTool({
      name: 'search_executions',
      title: 'Search executions',
      description:
        'Chat executions newest first with their last status, filtered by intent, status and start time. History lags live chats by the sink’s batch wait (about a second).',
      scope: 'admin',
      annotations: readOnly,
      input: z.strictObject({
        intent: intentName.optional(),
        status: z.enum(EXECUTION_STATUSES).optional().describe('The last status the execution moved to'),
        from: z.iso.datetime({ offset: true }).optional().describe('Started at or after this ISO instant'),
        to: z.iso.datetime({ offset: true }).optional().describe('Started before this ISO instant'),
        limit: z.number().int().min(1).max(1_000).default(50),
      }),
      output: z.object({ executions: z.array(summary) }),
      async run(input, caller) {
        const fromMs = input.from === undefined ? undefined : Date.parse(input.from)
        const toMs = input.to === undefined ? undefined : Date.parse(input.to)
        if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs)
          throw new AppError('bad_request', '`from` must be before `to`')
        const rows = await listExecutions(db, caller.tenantId, {
          limit: input.limit,
          ...(input.intent === undefined ? {} : { intent: input.intent }),
          ...(input.status === undefined ? {} : { status: input.status }),
          ...(fromMs === undefined ? {} : { fromMs }),
          ...(toMs === undefined ? {} : { toMs }),
        })
        return { data: { executions: rows.map(toSummary) }, summary: `${rows.length} execution(s)` }
      },
    }),
    defineTool({
      name: 'get_execution_trace',
      title: 'Read an execution trace',
      description:
        'One execution and its step trace: its engine events in order (messages, form submissions, blocks rendered, status changes with error codes).',
      scope: 'admin',
      annotations: readOnly,
      input: z.strictObject({ executionId: z.string().min(1).max(128) }),
      output: summary.extend({
        steps: z.array(
          z.object({
            at: z.string(),
            type: z.string(),
            blockId: z.string().optional(),
            from: z.string().optional(),
            to: z.string().optional(),
            error: z.string().optional(),
            props: z.record(z.string(), z.unknown()),
          }),
        ),
      }),
      async run(input, caller) {
        const found = await findExecution(db, caller.tenantId, input.executionId)
        if (!found) throw new AppError('not_found', `no recorded execution ${input.executionId}`)
        const events = await executionEvents(db, caller.tenantId, input.executionId, TRACE_LIMIT)
        const steps = events.map((event) => {
          const props = parseProps(event.props)
          const statusChange = event.type === 'chat.execution.status_changed'
          const text = (key: string) =>
            statusChange && typeof props[key] === 'string' ? { [key]: props[key] as string } : {}
          return {
            at: toIsoTime(event.ts),
            type: event.type,
            ...(event.block_id ? { blockId: event.block_id } : {}),
            ...text('from'),
            ...text('to'),
            ...text('error'),
            props,
          }
        })
        const data = { ...toSummary(found), steps }
        return {
          data,
          summary: `execution ${data.executionId} (${data.intent}): ${data.status}, ${steps.length} step(s)`,
        }
      },
    }),
  ]
}
