import { z } from 'zod'
import {
  executionSummary,
  executionTrace,
  readExecutionTrace,
  searchExecutions,
} from '../../engine/history/execution-history.ts'
import { EXECUTION_STATUSES } from '../../engine/runtime/execution.ts'
import { intentName } from '../../platform/tenancy/tenancy-schemas.ts'
import { type AnyTool, defineTool } from '../define-tool.ts'
import type { McpDeps } from '../mcp-deps.ts'

const readOnly = { readOnlyHint: true, idempotentHint: true, openWorldHint: false }

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
      output: z.object({ executions: z.array(executionSummary) }),
      async run(input, caller) {
        const fromMs = input.from === undefined ? undefined : Date.parse(input.from)
        const toMs = input.to === undefined ? undefined : Date.parse(input.to)
        const executions = await searchExecutions(db, caller.tenantId, {
          limit: input.limit,
          ...(input.intent === undefined ? {} : { intent: input.intent }),
          ...(input.status === undefined ? {} : { status: input.status }),
          ...(fromMs === undefined ? {} : { fromMs }),
          ...(toMs === undefined ? {} : { toMs }),
        })
        return { data: { executions }, summary: `${executions.length} execution(s)` }
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
      output: executionTrace,
      async run(input, caller) {
        const data = await readExecutionTrace(db, caller.tenantId, input.executionId)
        return {
          data,
          summary: `execution ${data.executionId} (${data.intent}): ${data.status}, ${data.steps.length} step(s)`,
        }
      },
    }),
  ]
}
