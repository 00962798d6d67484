import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { principalOf, requireSecretKey } from '../../platform/tenancy/auth.ts'
import type { TenancyService } from '../../platform/tenancy/tenancy-service.ts'
import {
  connectionName,
  connectionResponse,
  createConnectionInput,
  updateConnectionInput,
} from './connection-schemas.ts'
import type { ConnectionService } from './connection-service.ts'

const security = [{ secretKey: [] }]
const tags = ['connections']
const params = z.object({ name: connectionName })

/** A tenant's connections, managed with an admin-scoped secret key. Mounted under /v1/admin. */
export function connectionRoutes(
  connections: ConnectionService,
  tenancy: TenancyService,
): FastifyPluginAsyncZod {
  return async (routes) => {
    routes.addHook('onRequest', requireSecretKey(tenancy, 'admin'))

    routes.post(
      '/connections',
      {
        schema: {
          tags,
          summary: 'Create a connection (its secret is stored encrypted and never shown again)',
          security,
          body: createConnectionInput,
          response: { 201: connectionResponse },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await connections.create(principalOf(request).tenantId, request.body)),
    )

    routes.get(
      '/connections',
      {
        schema: {
          tags,
          summary: 'List connections (never their secrets)',
          security,
          response: { 200: z.object({ connections: z.array(connectionResponse) }) },
        },
      },
      async (request) => ({ connections: await connections.list(principalOf(request).tenantId) }),
    )

    routes.get(
      '/connections/:name',
      {
        schema: {
          tags,
          summary: 'Read a connection',
          security,
          params,
          response: { 200: connectionResponse },
        },
      },
      async (request) => connections.get(principalOf(request).tenantId, request.params.name),
    )

    routes.put(
      '/connections/:name',
      {
        schema: {
          tags,
          summary: 'Change a connection: fields left out keep their value; auth replaces auth and secret',
          security,
          params,
          body: updateConnectionInput,
          response: { 200: connectionResponse },
        },
      },
      async (request) => connections.update(principalOf(request).tenantId, request.params.name, request.body),
    )

    routes.delete(
      '/connections/:name',
      { schema: { tags, summary: 'Delete a connection', security, params } },
      async (request, reply) => {
        await connections.delete(principalOf(request).tenantId, request.params.name)
        return reply.status(204).send()
      },
    )
  }
}
