import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Db } from '../../platform/clickhouse/db.ts'
import { principalOf, requireSecretKey } from '../../platform/tenancy/auth.ts'
import { intentName } from '../../platform/tenancy/tenancy-schemas.ts'
import type { TenancyService } from '../../platform/tenancy/tenancy-service.ts'
import { EXECUTION_STATUSES } from '../runtime/execution.ts'
import {
  executionSummary,
  executionTrace,
  readExecutionTrace,
  searchExecutions,
} from './execution-history.ts'

const security = [{ secretKey: [] }]

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
          response: { 200: z.object({ executions: z.array(executionSummary) }) },
        },
      },
      async (request) => {
        const { intent, status, from, to, limit } = request.query
        const executions = await searchExecutions(db, principalOf(request).tenantId, {
          limit,
          ...(intent === undefined ? {} : { intent }),
          ...(status === undefined ? {} : { status }),
          ...(from === undefined ? {} : { fromMs: from }),
          ...(to === undefined ? {} : { toMs: to }),
        })
        return { executions }
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
          response: { 200: executionTrace },
        },
      },
      async (request) => readExecutionTrace(db, principalOf(request).tenantId, request.params.executionId),
    )
  }
}
