import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { principalOf, requireSecretKey } from './auth.ts'
import { issuedSecretKeyResponse, secretKeyResponse, widgetKeyResponse } from './tenancy-responses.ts'
import { createSecretKeyInput, createWidgetKeyInput } from './tenancy-schemas.ts'
import type { TenancyService } from './tenancy-service.ts'

const security = [{ secretKey: [] }]

/** A tenant's own keys, managed with an admin-scoped secret key. Mounted under /v1/admin. */
export function tenancyRoutes(tenancy: TenancyService): FastifyPluginAsyncZod {
  return async (routes) => {
    routes.addHook('onRequest', requireSecretKey(tenancy, 'admin'))

    routes.post(
      '/widget-keys',
      {
        schema: {
          tags: ['keys'],
          summary: 'Create a public widget key',
          security,
          body: createWidgetKeyInput,
          response: { 201: widgetKeyResponse },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await tenancy.createWidgetKey(principalOf(request).tenantId, request.body)),
    )

    routes.get(
      '/widget-keys',
      {
        schema: {
          tags: ['keys'],
          summary: 'List widget keys',
          security,
          response: { 200: z.object({ widgetKeys: z.array(widgetKeyResponse) }) },
        },
      },
      async (request) => ({ widgetKeys: await tenancy.listWidgetKeys(principalOf(request).tenantId) }),
    )

    routes.delete(
      '/widget-keys/:publicKey',
      {
        schema: {
          tags: ['keys'],
          summary: 'Revoke a widget key',
          security,
          params: z.object({ publicKey: z.string() }),
        },
      },
      async (request, reply) => {
        await tenancy.revokeWidgetKey(principalOf(request).tenantId, request.params.publicKey)
        return reply.status(204).send()
      },
    )

    routes.post(
      '/secret-keys',
      {
        schema: {
          tags: ['keys'],
          summary: 'Create a scoped secret key (shown once)',
          security,
          body: createSecretKeyInput,
          response: { 201: issuedSecretKeyResponse },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await tenancy.createSecretKey(principalOf(request).tenantId, request.body)),
    )

    routes.get(
      '/secret-keys',
      {
        schema: {
          tags: ['keys'],
          summary: 'List secret keys (never their values)',
          security,
          response: { 200: z.object({ secretKeys: z.array(secretKeyResponse) }) },
        },
      },
      async (request) => ({ secretKeys: await tenancy.listSecretKeys(principalOf(request).tenantId) }),
    )

    routes.delete(
      '/secret-keys/:keyId',
      {
        schema: {
          tags: ['keys'],
          summary: 'Revoke a secret key',
          security,
          params: z.object({ keyId: z.string() }),
        },
      },
      async (request, reply) => {
        await tenancy.revokeSecretKey(principalOf(request).tenantId, request.params.keyId)
        return reply.status(204).send()
      },
    )
  }
}
