import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { principalOf, requireSecretKey } from '../../platform/tenancy/auth.ts'
import { collectionRoutes } from '../../platform/tenancy/collection-routes.ts'
import type { TenancyService } from '../../platform/tenancy/tenancy-service.ts'
import type { CallOptions } from './call-connection.ts'
import {
  connectionName,
  connectionResponse,
  createConnectionInput,
  updateConnectionInput,
} from './connection-schemas.ts'
import type { ConnectionService } from './connection-service.ts'
import { testCallConnection, testCallInput, testCallResult } from './test-call.ts'

/** A tenant's connections, managed with an admin-scoped secret key. Mounted under /v1/admin. */
export function connectionRoutes(
  connections: ConnectionService,
  tenancy: TenancyService,
  callOptions: Pick<CallOptions, 'allowPrivateNetworks'>,
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

    routes.post(
      '/connections/:name/test',
      {
        schema: {
          tags: ['connections'],
          summary:
            'Make one real request through the connection (its auth, timeout and address rules): the status, latency and body, or why it failed',
          security: [{ secretKey: [] }],
          params: z.object({ name: connectionName }),
          body: testCallInput,
          response: { 200: testCallResult },
        },
      },
      (request) =>
        testCallConnection(
          connections,
          principalOf(request).tenantId,
          request.params.name,
          request.body,
          callOptions,
        ),
    )
  }
}
