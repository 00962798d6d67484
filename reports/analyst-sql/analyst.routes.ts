import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { requireOperatorToken } from '../../platform/tenancy/auth.ts'
import { tenantSlug } from '../../platform/tenancy/tenancy-schemas.ts'
import { type AnalystOperator, analystName } from './analyst-operator.ts'

const security = [{ operatorToken: [] }]
const analystResponse = z.object({
  name: z.string(),
  keyId: z.string(),
  displayPrefix: z.string(),
  createdAt: z.string(),
  revoked: z.boolean(),
  user: z.string(),
  database: z.string(),
})

/** Operator routes for `comerix analyst:*` while an embedded server owns the data directory; under /v1/operator. */
export function analystOperatorRoutes(operator: AnalystOperator, token: string): FastifyPluginAsyncZod {
  return async (routes) => {
    routes.addHook('onRequest', requireOperatorToken(token))
    routes.post(
      '/tenants/:slug/analysts',
      {
        schema: {
          tags: ['operator'],
          summary:
            'Create an analyst: a secret key with the analyst scope (and a ClickHouse user in server mode)',
          security,
          params: z.object({ slug: tenantSlug }),
          body: z.object({ name: analystName }),
          response: {
            201: analystResponse.extend({
              key: z.string(),
              mode: z.enum(['embedded', 'server']),
              url: z.string().optional(),
            }),
          },
        },
      },
      async (request, reply) => {
        const issued = await operator.createAnalyst(request.params.slug, request.body)
        return reply.status(201).send({ ...issued, url: issued.url ?? undefined })
      },
    )
    routes.get(
      '/tenants/:slug/analysts',
      {
        schema: {
          tags: ['operator'],
          summary: "List a tenant's analysts",
          security,
          params: z.object({ slug: tenantSlug }),
          response: { 200: z.object({ analysts: z.array(analystResponse) }) },
        },
      },
      async (request) => ({ analysts: await operator.listAnalysts(request.params.slug) }),
    )
    routes.delete(
      '/tenants/:slug/analysts/:name',
      {
        schema: {
          tags: ['operator'],
          summary: 'Revoke an analyst (its keys, and its ClickHouse user in server mode)',
          security,
          params: z.object({ slug: tenantSlug, name: analystName }),
          response: { 200: z.object({ revoked: z.number() }) },
        },
      },
      async (request) => operator.revokeAnalyst(request.params.slug, request.params.name),
    )
  }
}
