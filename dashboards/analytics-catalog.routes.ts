import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { requireSecretKey } from '../platform/tenancy/auth.ts'
import type { TenancyService } from '../platform/tenancy/tenancy-service.ts'
import type { MetricFamily } from '../reports/semantic/metric-family.ts'

const definition = z.object({ name: z.string(), label: z.string(), description: z.string() })
const family = z.object({
  name: z.string(),
  description: z.string(),
  metrics: z.array(definition.extend({ format: z.string() })),
  dimensions: z.array(definition),
  options: z.record(z.string(), z.unknown()).describe("JSON Schema of the family's options"),
})

/** What a report builder may ask of the semantic layer: each family's metrics, dimensions and options. */
export function analyticsCatalogRoutes(
  families: Iterable<MetricFamily<never>>,
  tenancy: TenancyService,
): FastifyPluginAsyncZod {
  const catalog = [...families].map((entry) => ({
    name: entry.name,
    description: entry.description,
    metrics: Object.entries(entry.metrics).map(([name, def]) => ({ name, ...def })),
    dimensions: Object.entries(entry.dimensions).map(([name, def]) => ({ name, ...def })),
    options: z.toJSONSchema(entry.options as z.ZodType, { io: 'input', unrepresentable: 'any' }) as Record<
      string,
      unknown
    >,
  }))
  return async (routes) => {
    routes.addHook('onRequest', requireSecretKey(tenancy, 'analyst'))
    routes.get(
      '/analytics-catalog',
      {
        schema: {
          tags: ['reports'],
          summary: 'The semantic layer: every metric family with its metrics, dimensions and options',
          security: [{ secretKey: [] }],
          response: { 200: z.object({ families: z.array(family) }) },
        },
      },
      async () => ({ families: catalog }),
    )
  }
}
