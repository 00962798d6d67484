import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { requireSecretKey } from '../../platform/tenancy/auth.ts'
import { collectionRoutes } from '../../platform/tenancy/collection-routes.ts'
import type { TenancyService } from '../../platform/tenancy/tenancy-service.ts'
import {
  connectionName,
  connectionResponse,
  createConnectionInput,
  updateConnectionInput,
} from './connection-schemas.ts'
import type { ConnectionService } from './connection-service.ts'

/** A tenant's connections, managed with an admin-scoped secret key. Mounted under /v1/admin. */
export function connectionRoutes(
  connections: ConnectionService,
  tenancy: TenancyService,
): FastifyPluginAsyncZod {
  return async (routes) => {
    routes.addHook('onRequest', requireSecretKey(tenancy, 'admin'))
    collectionRoutes(routes, {
      path: '/connections',
      id: { name: 'name', schema: connectionName },
      tags: ['connections'],
      item: connectionResponse,
      listKey: 'connections',
      create: {
        summary: 'Create a connection (its secret is stored encrypted and never shown again)',
        body: createConnectionInput,
        run: (tenantId, body) => connections.create(tenantId, body),
      },
      list: {
        summary: 'List connections (never their secrets)',
        run: (tenantId) => connections.list(tenantId),
      },
      get: { summary: 'Read a connection', run: (tenantId, name) => connections.get(tenantId, name) },
      update: {
        summary: 'Change a connection: fields left out keep their value; auth replaces auth and secret',
        body: updateConnectionInput,
        run: (tenantId, name, body) => connections.update(tenantId, name, body),
      },
      remove: { summary: 'Delete a connection', run: (tenantId, name) => connections.delete(tenantId, name) },
    })
  }
}
