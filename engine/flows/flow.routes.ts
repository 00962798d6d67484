import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { principalOf, requireSecretKey } from '../../platform/tenancy/auth.ts'
import type { TenancyService } from '../../platform/tenancy/tenancy-service.ts'
import { flowJsonSchema } from './flow-json-schema.ts'
import type { FlowService } from './flow-service.ts'

const security = [{ secretKey: [] }]
const flowParams = z.object({ flowId: z.uuid() })
const flowDocument = z
  .record(z.string(), z.unknown())
  .describe('A flow document (engine/FLOWS.md, engine/flows/flow.schema.json)')

const summary = z.object({
  flowId: z.string(),
  intent: z.string(),
  name: z.string(),
  publishedVersion: z.number().describe('0 while not published'),
  latestVersion: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
})
const detail = summary.extend({ draft: z.unknown() })
const versionInfo = z.object({
  version: z.number(),
  intent: z.string(),
  name: z.string(),
  publishedBy: z.string(),
  createdAt: z.string(),
})

const schemaDocument = flowJsonSchema()

/** Flow authoring for a tenant's admin key. Mounted under /v1/admin. */
export function flowRoutes(flows: FlowService, tenancy: TenancyService): FastifyPluginAsyncZod {
  return async (routes) => {
    routes.addHook('onRequest', requireSecretKey(tenancy, 'admin'))
    const tenantOf = (request: Parameters<typeof principalOf>[0]) => principalOf(request).tenantId

    routes.post(
      '/flows/validate',
      {
        schema: {
          tags: ['flows'],
          summary: 'Validate a flow document; 400 lists every problem with its node id',
          security,
          body: flowDocument,
          response: { 200: z.object({ ok: z.literal(true) }) },
        },
      },
      async (request) => {
        await flows.validate(tenantOf(request), request.body)
        return { ok: true as const }
      },
    )

    routes.post(
      '/flows',
      {
        schema: {
          tags: ['flows'],
          summary: 'Create a flow draft',
          security,
          body: flowDocument,
          response: { 201: detail },
        },
      },
      async (request, reply) => reply.status(201).send(await flows.create(tenantOf(request), request.body)),
    )

    routes.get(
      '/flows',
      {
        schema: {
          tags: ['flows'],
          summary: 'List flows',
          security,
          response: { 200: z.object({ flows: z.array(summary) }) },
        },
      },
      async (request) => ({ flows: await flows.list(tenantOf(request)) }),
    )

    routes.get(
      '/flows/:flowId',
      {
        schema: {
          tags: ['flows'],
          summary: 'A flow and its draft',
          security,
          params: flowParams,
          response: { 200: detail },
        },
      },
      async (request) => flows.get(tenantOf(request), request.params.flowId),
    )

    routes.put(
      '/flows/:flowId',
      {
        schema: {
          tags: ['flows'],
          summary: 'Replace the draft',
          security,
          params: flowParams,
          body: flowDocument,
          response: { 200: detail },
        },
      },
      async (request) => flows.update(tenantOf(request), request.params.flowId, request.body),
    )

    routes.delete(
      '/flows/:flowId',
      {
        schema: { tags: ['flows'], summary: 'Delete a flow (unpublishes it)', security, params: flowParams },
      },
      async (request, reply) => {
        await flows.delete(tenantOf(request), request.params.flowId)
        return reply.status(204).send()
      },
    )

    routes.post(
      '/flows/:flowId/publish',
      {
        schema: {
          tags: ['flows'],
          summary: 'Freeze the draft as a new version and publish it for its intent',
          security,
          params: flowParams,
          response: { 200: versionInfo },
        },
      },
      async (request) => flows.publish(tenantOf(request), request.params.flowId, principalOf(request).keyId),
    )

    routes.post(
      '/flows/:flowId/unpublish',
      {
        schema: {
          tags: ['flows'],
          summary: 'Remove the intent from new sessions; running executions finish',
          security,
          params: flowParams,
          response: { 200: summary },
        },
      },
      async (request) => flows.unpublish(tenantOf(request), request.params.flowId),
    )

    routes.get(
      '/flows/:flowId/versions',
      {
        schema: {
          tags: ['flows'],
          summary: 'Published versions',
          security,
          params: flowParams,
          response: { 200: z.object({ versions: z.array(versionInfo) }) },
        },
      },
      async (request) => ({ versions: await flows.versionsOf(tenantOf(request), request.params.flowId) }),
    )

    routes.get(
      '/flows/schema',
      {
        schema: {
          tags: ['flows'],
          summary: 'JSON Schema of a flow document (engine/flows/flow.schema.json), for editors',
          security,
          response: { 200: z.record(z.string(), z.unknown()) },
        },
      },
      async () => schemaDocument,
    )

    routes.get(
      '/flows/:flowId/versions/:version',
      {
        schema: {
          tags: ['flows'],
          summary: "A published version's document (versions never change), for history and diffs",
          security,
          params: flowParams.extend({ version: z.coerce.number().int().min(1).max(1_000_000) }),
          response: { 200: z.object({ version: z.number(), document: z.unknown() }) },
        },
      },
      async (request) => ({
        version: request.params.version,
        document: await flows.loadVersion(tenantOf(request), request.params.flowId, request.params.version),
      }),
    )
  }
}
