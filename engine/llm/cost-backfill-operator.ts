import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { AppError } from '../../platform/errors/catalog.ts'
import { requireOperatorToken } from '../../platform/tenancy/auth.ts'
import type { TenancyService } from '../../platform/tenancy/tenancy-service.ts'
import { type BackfillDeps, backfillCostsPage, backfillCursor } from './backfill-costs.ts'
import { countCalls } from './recorded-calls.ts'

export const costBackfillRequest = z.strictObject({
  from: z.iso.datetime({ offset: true }).describe('Start of the period (inclusive)'),
  to: z.iso.datetime({ offset: true }).describe('End of the period (exclusive)'),
  tenant: z.string().min(1).optional().describe("A tenant's slug or id; all tenants when absent"),
  after: backfillCursor.optional().describe('The `next` of the previous page'),
  limit: z.number().int().min(1).max(5_000).default(500),
})

export const costBackfillResponse = z.object({
  /** Calls in the whole period; only on the first page (no `after`). */
  total: z.number().optional(),
  scanned: z.number(),
  adjusted: z.number(),
  deltaMicros: z.number(),
  next: backfillCursor.optional(),
})

export type CostBackfillRequest = z.input<typeof costBackfillRequest>
export type CostBackfillResponse = z.output<typeof costBackfillResponse>

/** `comerix token-spend:backfill`, one page per call, in-process or over the operator route. */
export interface CostBackfillOperator {
  backfillCosts(request: CostBackfillRequest): Promise<CostBackfillResponse>
}

export function createCostBackfillOperator(
  deps: BackfillDeps & { tenancy: TenancyService },
): CostBackfillOperator {
  return {
    async backfillCosts(request) {
      const parsed = costBackfillRequest.parse(request)
      const fromMs = Date.parse(parsed.from)
      const toMs = Date.parse(parsed.to)
      if (toMs <= fromMs) throw new AppError('validation_failed', '`to` must be after `from`')
      const tenantId = parsed.tenant === undefined ? undefined : await tenantIdOf(deps.tenancy, parsed.tenant)
      const range = { fromMs, toMs, ...(tenantId === undefined ? {} : { tenantId }) }
      const total = parsed.after === undefined ? await countCalls(deps.db, range) : undefined
      const page = await backfillCostsPage(deps, range, parsed.after, parsed.limit)
      return { ...(total === undefined ? {} : { total }), ...page }
    },
  }
}

async function tenantIdOf(tenancy: TenancyService, slugOrId: string): Promise<string> {
  const tenant = (await tenancy.listTenants()).find(({ id, slug }) => id === slugOrId || slug === slugOrId)
  if (!tenant) throw new AppError('not_found', `no tenant "${slugOrId}"`)
  return tenant.id
}

/** Mounted under /v1/operator. */
export function costBackfillOperatorRoutes(
  operator: CostBackfillOperator,
  token: string,
): FastifyPluginAsyncZod {
  return async (routes) => {
    routes.addHook('onRequest', requireOperatorToken(token))
    routes.post(
      '/llm/cost-backfill',
      {
        schema: {
          tags: ['operator'],
          summary: "Re-price one page of a period's LLM calls with today's price catalog",
          security: [{ operatorToken: [] }],
          body: costBackfillRequest,
          response: { 200: costBackfillResponse },
        },
      },
      (request) => operator.backfillCosts(request.body),
    )
  }
}
