import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { toIsoTime } from '../../platform/clickhouse/datetime.ts'
import type { Db } from '../../platform/clickhouse/db.ts'
import { AppError } from '../../platform/errors/catalog.ts'
import { principalOf, requireSecretKey } from '../../platform/tenancy/auth.ts'
import { intentName } from '../../platform/tenancy/tenancy-schemas.ts'
import type { TenancyService } from '../../platform/tenancy/tenancy-service.ts'
import { EXECUTION_STATUSES } from '../runtime/execution.ts'
import {
  type ExecutionSummaryRow,
  executionEvents,
  findExecution,
  listExecutions,
} from './execution-history-queries.ts'

const security = [{ secretKey: [] }]
const TRACE_LIMIT = 5_000

const instant = z.iso
  .datetime({ offset: true })
  .describe('ISO 8601 instant, e.g. 2025-01-31T00:00:00Z')
  .transform((value) => Date.parse(value))

const listQuery = z.object({
  intent: intentName.optional(),
  status: z.enum(EXECUTION_STATUSES).optional().describe('The last status the execution moved to'),
  from: instant.optional().describe('Executions started at or after this instant'),
  to: instant.optional().describe('Executions started before this instant'),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
})

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

const step = z.object({
  at: z.string(),
  type: z.string().describe('chat.message.received, chat.form.submitted, chat.block.rendered, ...'),
  blockId: z.string().optional(),
  from: z.string().optional().describe('chat.execution.status_changed: the previous status'),
  to: z.string().optional().describe('chat.execution.status_changed: the new status'),
  error: z.string().optional().describe('chat.execution.status_changed: the error code, if any'),
  props: z.record(z.string(), z.unknown()),
})

const toSummary = (row: ExecutionSummaryRow): z.infer<typeof summary> => ({
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

/**
 * Execution history for a tenant's admin key, read from the engine events in ClickHouse (so it lags
 * the live state by the sink's batch wait). Mounted under /v1/admin.
 */
export function executionHistoryRoutes(db: Db, tenancy: TenancyService): FastifyPluginAsyncZod {
  return async (routes) => {
    routes.addHook('onRequest', requireSecretKey(tenancy, 'admin'))

    routes.get(
      '/executions',
      {
        schema: {
          tags: ['executions'],
          summary: 'List chat executions, newest first, with their last status',
          security,
          querystring: listQuery,
          response: { 200: z.object({ executions: z.array(summary) }) },
        },
      },
      async (request) => {
        const { intent, status, from, to, limit } = request.query
        if (from !== undefined && to !== undefined && from >= to) {
          throw new AppError('bad_request', '`from` must be before `to`')
        }
        const rows = await listExecutions(db, principalOf(request).tenantId, {
          limit,
          ...(intent === undefined ? {} : { intent }),
          ...(status === undefined ? {} : { status }),
          ...(from === undefined ? {} : { fromMs: from }),
          ...(to === undefined ? {} : { toMs: to }),
        })
        return { executions: rows.map(toSummary) }
      },
    )

    routes.get(
      '/executions/:executionId',
      {
        schema: {
          tags: ['executions'],
          summary: 'One execution and its step trace (its engine events in order); 404 when it has none',
          security,
          params: z.object({ executionId: z.string().min(1).max(128) }),
          response: { 200: summary.extend({ steps: z.array(step) }) },
        },
      },
      async (request) => {
        const tenantId = principalOf(request).tenantId
        const { executionId } = request.params
        const found = await findExecution(db, tenantId, executionId)
        if (!found) throw new AppError('not_found', `no recorded execution ${executionId}`)
        const events = await executionEvents(db, tenantId, executionId, TRACE_LIMIT)
        return {
          ...toSummary(found),
          steps: events.map((event) => {
            const props = parseProps(event.props)
            const statusChange = event.type === 'chat.execution.status_changed'
            return {
              at: toIsoTime(event.ts),
              type: event.type,
              ...(event.block_id ? { blockId: event.block_id } : {}),
              ...(statusChange && typeof props.from === 'string' ? { from: props.from } : {}),
              ...(statusChange && typeof props.to === 'string' ? { to: props.to } : {}),
              ...(statusChange && typeof props.error === 'string' ? { error: props.error } : {}),
              props,
            }
          }),
        }
      },
    )
  }
}
