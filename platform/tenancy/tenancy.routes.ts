import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { requireSecretKey } from './auth.ts'
import { collectionRoutes } from './collection-routes.ts'
import { issuedSecretKeyResponse, secretKeyResponse, widgetKeyResponse } from './tenancy-responses.ts'
import { createSecretKeyInput, createWidgetKeyInput } from './tenancy-schemas.ts'
import type { TenancyService } from './tenancy-service.ts'

/** A tenant's own keys, managed with an admin-scoped secret key. Mounted under /v1/admin. */
export function tenancyRoutes(tenancy: TenancyService): FastifyPluginAsyncZod {
  return async (routes) => {
    routes.addHook('onRequest', requireSecretKey(tenancy, 'admin'))

    collectionRoutes(routes, {
      path: '/widget-keys',
      id: { name: 'publicKey', schema: z.string() },
      tags: ['keys'],
      item: widgetKeyResponse,
      listKey: 'widgetKeys',
      create: {
        summary: 'Create a public widget key',
        body: createWidgetKeyInput,
        run: (tenantId, body) => tenancy.createWidgetKey(tenantId, body),
      },
      list: { summary: 'List widget keys', run: (tenantId) => tenancy.listWidgetKeys(tenantId) },
      remove: {
        summary: 'Revoke a widget key',
        run: (tenantId, publicKey) => tenancy.revokeWidgetKey(tenantId, publicKey),
      },
    })

    collectionRoutes(routes, {
      path: '/secret-keys',
      id: { name: 'keyId', schema: z.string() },
      tags: ['keys'],
      item: secretKeyResponse,
      listKey: 'secretKeys',
      create: {
        summary: 'Create a scoped secret key (shown once)',
        body: createSecretKeyInput,
        response: issuedSecretKeyResponse,
        run: (tenantId, body) => tenancy.createSecretKey(tenantId, body),
      },
      list: {
        summary: 'List secret keys (never their values)',
        run: (tenantId) => tenancy.listSecretKeys(tenantId),
      },
      remove: {
        summary: 'Revoke a secret key',
        run: (tenantId, keyId) => tenancy.revokeSecretKey(tenantId, keyId),
      },
    })
  }
}
