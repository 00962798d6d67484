import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Db } from '../../platform/clickhouse/db.ts'
import type { Clock } from '../../platform/clock.ts'
import { AppError } from '../../platform/errors/catalog.ts'
import { principalOf, requireSecretKey } from '../../platform/tenancy/auth.ts'
import type { TenancyService } from '../../platform/tenancy/tenancy-service.ts'
import { resolveWindow, windowInput } from './analytics-window.ts'
import { type MetricFamily, runFamily, type SortKey } from './metric-family.ts'

const security = [{ secretKey: [] }]

const nameList = z
  .string()
  .max(2_000)
  .transform((value) =>
    value
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
  )

const filterList = z
  .union([z.string(), z.array(z.string())])
  .transform((value) => (Array.isArray(value) ? value : [value]))
  .describe('`dimension:value`, repeatable; values of one dimension are ORed, dimensions are ANDed')

const sortList = nameList.describe(
  'Comma-separated columns to sort by; prefix with `-` for descending, e.g. `-cost_micros`',
)

/** `"-cost_micros,bucket"` -> `[{ by: "cost_micros", direction: "desc" }, { by: "bucket", direction: "asc" }]`. */
export function parseSort(names: string[]): SortKey[] {
  return names.map((name) =>
    name.startsWith('-') ? { by: name.slice(1), direction: 'desc' } : { by: name, direction: 'asc' },
  )
}

/** `["flow_id:a", "flow_id:b", "model:x"]` -> `{ flow_id: ["a", "b"], model: ["x"] }`. */
export function parseFilters(entries: string[]): Record<string, string[]> {
  // No prototype: a filter named `__proto__` or `constructor` stays an own key the name check refuses.
  const filters: Record<string, string[]> = Object.create(null)
  for (const entry of entries) {
    const at = entry.indexOf(':')
    if (at <= 0)
      throw new AppError('validation_failed', `filter "${entry}" is not dimension:value`, { field: 'filter' })
    const name = entry.slice(0, at)
    filters[name] = [...(filters[name] ?? []), entry.slice(at + 1)]
  }
  return filters
}

const cell = z.union([z.string(), z.number(), z.null()])
const row = z.record(z.string(), cell)
const range = z.object({ from: z.string(), to: z.string(), timezone: z.string(), granularity: z.string() })
export const analyticsResult = z.object({
  family: z.string(),
  range,
  columns: z.array(
    z.object({
      name: z.string(),
      kind: z.enum(['bucket', 'dimension', 'metric']),
      label: z.string(),
      format: z.string().optional(),
    }),
  ),
  rows: z.array(row),
  totals: z.array(row),
  series: z.array(z.object({ group: row, points: z.array(row) })),
  previous: z.object({ range, rows: z.array(row), totals: z.array(row) }).optional(),
})

export interface AnalyticsRoutesDeps {
  db: Db
  tenancy: TenancyService
  clock: Clock
  families: MetricFamily<never>[]
}

/** `GET /v1/analytics/<family>` for every family, under a secret key with the `analyst` scope. */
export function analyticsRoutes({
  db,
  tenancy,
  clock,
  families,
}: AnalyticsRoutesDeps): FastifyPluginAsyncZod {
  return async (routes) => {
    routes.addHook('onRequest', requireSecretKey(tenancy, 'analyst'))
    for (const family of families as MetricFamily<Record<string, unknown>>[]) {
      const options = family.options as unknown as z.ZodObject
      const querystring = windowInput.extend({
        metrics: nameList.describe(`Comma-separated: ${Object.keys(family.metrics).join(', ')}`),
        groupBy: nameList
          .optional()
          .describe(`Comma-separated: ${Object.keys(family.dimensions).join(', ')}`),
        filter: filterList.optional(),
        sort: sortList.optional(),
        limit: z.coerce.number().int().min(1).max(100_000).optional().describe('At most this many rows'),
        ...options.shape,
      })
      routes.get(
        `/${family.name.replaceAll('_', '-')}`,
        {
          schema: {
            tags: ['analytics'],
            summary: family.description,
            security,
            querystring,
            response: { 200: analyticsResult },
          },
        },
        async (request) => {
          const {
            metrics,
            groupBy,
            filter,
            sort,
            limit,
            from,
            to,
            range,
            timezone,
            granularity,
            compare,
            ...rest
          } = request.query as z.output<typeof querystring>
          const windows = resolveWindow({ from, to, range, timezone, granularity, compare }, clock.now())
          return runFamily(
            db,
            family,
            {
              tenantId: principalOf(request).tenantId,
              metrics,
              groupBy: groupBy ?? [],
              filters: parseFilters(filter ?? []),
              options: family.options.parse(rest),
            },
            windows,
            { sort: parseSort(sort ?? []), ...(limit === undefined ? {} : { limit }) },
          )
        },
      )
    }
  }
}
