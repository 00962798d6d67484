import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { AppError } from '../../platform/errors/catalog.ts'
import { requireOperatorToken } from '../../platform/tenancy/auth.ts'
import { intentName, tenantSlug } from '../../platform/tenancy/tenancy-schemas.ts'
import type { TenancyService } from '../../platform/tenancy/tenancy-service.ts'
import type { FlowService } from './flow-service.ts'

export interface PublishedFlowInfo {
  flowId: string
  intent: string
  version: number
}

/** What the CLI does to flows (`flow:publish`, `flow:unpublish`), in-process or over operator routes. */
export interface FlowOperator {
  /** Saves the document as the draft of its intent's flow (creating the flow if needed) and publishes it. */
  publishFlow(tenantSlug: string, document: unknown): Promise<PublishedFlowInfo>
  unpublishIntent(tenantSlug: string, intent: string): Promise<{ flowId: string; intent: string }>
}

export function createFlowOperator(flows: FlowService, tenancy: TenancyService): FlowOperator {
  const flowOfIntent = async (tenantId: string, intent: string) =>
    (await flows.list(tenantId)).find((flow) => flow.intent === intent)
  return {
    async publishFlow(slug, document) {
      const tenant = await tenancy.requireTenant(slug)
      const flow = await flows.validate(tenant.id, document)
      const existing = await flowOfIntent(tenant.id, flow.intent)
      const flowId = existing
        ? (await flows.update(tenant.id, existing.flowId, document)).flowId
        : (await flows.create(tenant.id, document)).flowId
      const { version } = await flows.publish(tenant.id, flowId, 'operator')
      return { flowId, intent: flow.intent, version }
    },
    async unpublishIntent(slug, intent) {
      const tenant = await tenancy.requireTenant(slug)
      const published = (await flows.publishedIntents(tenant.id)).get(intent)
      if (!published) throw new AppError('not_found', `intent "${intent}" is not published for ${slug}`)
      await flows.unpublish(tenant.id, published.flowId)
      return { flowId: published.flowId, intent }
    },
  }
}

const security = [{ operatorToken: [] }]

/** Mounted under /v1/operator. */
export function flowOperatorRoutes(operator: FlowOperator, token: string): FastifyPluginAsyncZod {
  return async (routes) => {
    routes.addHook('onRequest', requireOperatorToken(token))
    routes.post(
      '/tenants/:slug/flows/publish',
      {
        schema: {
          tags: ['operator'],
          summary: "Save a flow document as its intent's draft and publish it",
          security,
          params: z.object({ slug: tenantSlug }),
          body: z.record(z.string(), z.unknown()),
          response: { 200: z.object({ flowId: z.string(), intent: z.string(), version: z.number() }) },
        },
      },
      (request) => operator.publishFlow(request.params.slug, request.body),
    )
    routes.post(
      '/tenants/:slug/flows/unpublish',
      {
        schema: {
          tags: ['operator'],
          summary: 'Unpublish the flow of an intent',
          security,
          params: z.object({ slug: tenantSlug }),
          body: z.object({ intent: intentName }),
          response: { 200: z.object({ flowId: z.string(), intent: z.string() }) },
        },
      },
      (request) => operator.unpublishIntent(request.params.slug, request.body.intent),
    )
  }
}
