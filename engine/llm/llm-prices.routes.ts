import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { principalOf, requireSecretKey } from '../../platform/tenancy/auth.ts'
import type { TenancyService } from '../../platform/tenancy/tenancy-service.ts'
import type { PriceCatalog } from './price-catalog.ts'
import { createPriceInput, priceResponse } from './price-schemas.ts'

const security = [{ secretKey: [] }]
const tags = ['llm prices']

/** The tenant's LLM price catalog, read and extended with an admin-scoped secret key. Mounted under /v1/admin. */
export function llmPriceRoutes(prices: PriceCatalog, tenancy: TenancyService): FastifyPluginAsyncZod {
  return async (routes) => {
    routes.addHook('onRequest', requireSecretKey(tenancy, 'admin'))

    routes.get(
      '/llm-prices',
      {
        schema: {
          tags,
          summary:
            'List the price versions that apply to the tenant: its own overrides, then the global defaults',
          security,
          response: { 200: z.object({ prices: z.array(priceResponse) }) },
        },
      },
      async (request) => ({ prices: await prices.list(principalOf(request).tenantId) }),
    )

    routes.post(
      '/llm-prices',
      {
        schema: {
          tags,
          summary:
            'Add a price version for a model pattern (prices are never edited: a new version applies from its effectiveFrom)',
          security,
          body: createPriceInput,
          response: { 201: priceResponse },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await prices.add(principalOf(request).tenantId, request.body)),
    )
  }
}
