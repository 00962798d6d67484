import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { requireOperatorToken } from './auth.ts'
import type { OperatorApi } from './operator-api.ts'
import { issuedSecretKeyResponse, tenantResponse, widgetKeyResponse } from './tenancy-responses.ts'
import { createTenantInput, createWidgetKeyInput, tenantSlug } from './tenancy-schemas.ts'

const security = [{ operatorToken: [] }]

/** Mounted under /v1/operator. */
export function operatorRoutes(operator: OperatorApi, token: string): FastifyPluginAsyncZod {
  return async (routes) => {
    routes.addHook('onRequest', requireOperatorToken(token))

    routes.post(
      '/migrate',
      {
        schema: {
          tags: ['operator'],
          summary: 'Apply pending ClickHouse migrations',
          security,
          response: { 200: z.object({ applied: z.array(z.string()) }) },
        },
      },
      () => operator.migrate(),
    )

    routes.post(
      '/tenants',
      {
        schema: {
          tags: ['operator'],
          summary: 'Create a tenant and its first admin secret key (shown once)',
          security,
          body: createTenantInput,
          response: { 201: z.object({ tenant: tenantResponse, adminKey: issuedSecretKeyResponse }) },
        },
      },
      async (request, reply) => reply.status(201).send(await operator.createTenant(request.body)),
    )

    routes.get(
      '/tenants',
      {
        schema: {
          tags: ['operator'],
          summary: 'List tenants',
          security,
          response: { 200: z.object({ tenants: z.array(tenantResponse) }) },
        },
      },
      async () => ({ tenants: await operator.listTenants() }),
    )

    routes.post(
      '/tenants/:slug/widget-keys',
      {
        schema: {
          tags: ['operator'],
          summary: 'Create a widget key for a tenant',
          security,
          params: z.object({ slug: tenantSlug }),
          body: createWidgetKeyInput,
          response: { 201: widgetKeyResponse },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await operator.createWidgetKey(request.params.slug, request.body)),
    )
  }
}
