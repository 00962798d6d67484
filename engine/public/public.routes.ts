import type { FastifyReply, FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { EventPublisher } from '../../ingest/event-publisher.ts'
import { serverEventRow } from '../../ingest/server-event.ts'
import type { Config } from '../../platform/config/config.ts'
import { AppError } from '../../platform/errors/catalog.ts'
import type { RateLimiter } from '../../platform/http/rate-limit.ts'
import type { TenancyService, WidgetKey } from '../../platform/tenancy/tenancy-service.ts'
import { admitWidgetRequest, answerPreflight, publicKeyOf } from '../../platform/tenancy/widget-auth.ts'
import { formFieldSchema } from '../flows/flow-schema.ts'
import { quickQuestionSchema, themeSchema } from '../widget-settings/widget-settings-schema.ts'
import type { EdgeDocuments } from './edge-documents.ts'
import { NO_STORE, PRIVATE_CACHE_CONTROL, SHARED_CACHE_CONTROL, sendEdgeEntry } from './send-edge-entry.ts'
import type { UsageQuota } from './usage-quota.ts'

export interface PublicReadDeps {
  tenancy: TenancyService
  edge: EdgeDocuments
  quota: UsageQuota
  publisher: EventPublisher
  rateLimiter: RateLimiter
  config: Pick<Config, 'ingest'>
}

const keyQuery = z.object({
  publicKey: z.string().max(200).optional().describe('The widget key (or the X-Comerix-Public-Key header)'),
})
const conditional = z.object({
  'if-none-match': z
    .string()
    .max(1_000)
    .optional()
    .describe('An ETag of an earlier answer: 304 when unchanged'),
})
const formParams = z.object({ formId: z.uuid() })

const widgetConfig = z.object({
  publicKey: z.string(),
  version: z.number().describe('The published settings version'),
  displayName: z.string(),
  greeting: z.string(),
  theme: themeSchema,
  launcher: z.object({ position: z.enum(['bottom-right', 'bottom-left']), label: z.string() }),
})
const quickQuestions = z.object({
  version: z.number(),
  questions: z.array(quickQuestionSchema.pick({ id: true, label: true, intent: true, context: true })),
})
const formSchema = z.object({
  formId: z.string(),
  version: z.number(),
  name: z.string(),
  title: z.string().optional(),
  description: z.string().optional(),
  fields: z.array(formFieldSchema),
  submitLabel: z.string(),
})
const notModified = z
  .null()
  .describe('Not modified: the If-None-Match tag is current (same ETag, Cache-Control, Vary)')

const EDGE_HEADERS_DOC =
  'Headers: ETag (strong, from the published content), Cache-Control, Vary: Origin, X-Comerix-Public-Key, and X-Edge-Source: `edge` (served from the published edge document) or `origin` (built from the control tables because no document was stored).'

/**
 * The anonymous public reads a widget makes before it has a session: widget config, quick questions and
 * published forms, with the widget key from an allowed origin. Served from the published edge documents.
 */
export function publicRoutes(deps: PublicReadDeps): FastifyPluginAsyncZod {
  const admit = async (request: FastifyRequest, reply: FastifyReply): Promise<WidgetKey> => {
    // Refusals (and anything before the answer) must never be stored by a cache.
    void reply.header('cache-control', NO_STORE)
    const widgetKey = await admitWidgetRequest(
      {
        tenancy: deps.tenancy,
        rateLimiter: deps.rateLimiter,
        rateLimitPerIp: deps.config.ingest.rateLimitPerIp,
      },
      request,
      reply,
      publicKeyOf(request),
    )
    await deps.rateLimiter.consume(`key:${widgetKey.publicKey}`, 1, deps.config.ingest.rateLimitPerKey)
    return widgetKey
  }
  const widgetDocument = async (widgetKey: WidgetKey) => {
    const found = await deps.edge.widget(widgetKey.tenantId, widgetKey.publicKey)
    if (!found.document) throw new AppError('not_published', 'no widget settings are published for this key')
    return { document: found.document, source: found.source }
  }
  const formDocument = async (widgetKey: WidgetKey, formId: string) => {
    const found = await deps.edge.form(widgetKey.tenantId, formId)
    if (!found.document) throw new AppError('not_published', `form ${formId} is not published`)
    return { document: found.document, source: found.source }
  }

  return async (routes) => {
    for (const url of [
      '/v1/public/widget-config',
      '/v1/public/quick-questions',
      '/v1/public/forms/:formId',
      '/v1/public/forms/:formId/schema',
    ]) {
      routes.options(url, { schema: { hide: true } }, (request, reply) =>
        answerPreflight(deps.tenancy, request, reply, 'GET'),
      )
    }

    routes.get(
      '/v1/public/widget-config',
      {
        schema: {
          tags: ['public'],
          summary: "The widget's published look: display name, greeting, theme, launcher",
          description: `Shared-cacheable (${SHARED_CACHE_CONTROL}). ${EDGE_HEADERS_DOC}`,
          querystring: keyQuery,
          headers: conditional,
          response: { 200: widgetConfig, 304: notModified },
        },
      },
      async (request, reply) => {
        const { document, source } = await widgetDocument(await admit(request, reply))
        return sendEdgeEntry(request, reply, document.widgetConfig, {
          cacheControl: SHARED_CACHE_CONTROL,
          source,
          revalidate: true,
        })
      },
    )

    routes.get(
      '/v1/public/quick-questions',
      {
        schema: {
          tags: ['public'],
          summary: 'The published, enabled quick questions, in order',
          description: `Shared-cacheable (${SHARED_CACHE_CONTROL}). ${EDGE_HEADERS_DOC}`,
          querystring: keyQuery,
          headers: conditional,
          response: { 200: quickQuestions, 304: notModified },
        },
      },
      async (request, reply) => {
        const { document, source } = await widgetDocument(await admit(request, reply))
        return sendEdgeEntry(request, reply, document.quickQuestions, {
          cacheControl: SHARED_CACHE_CONTROL,
          source,
          revalidate: true,
        })
      },
    )

    routes.get(
      '/v1/public/forms/:formId',
      {
        schema: {
          tags: ['public'],
          summary: "Mount a published form: counts one mount toward the key's usage",
          description: `Never cached (${NO_STORE}): every request is one metered mount (a \`form.mounted\` event, and the key's monthly \`mounts\` quota: 429 usage_quota_exceeded past it). ${EDGE_HEADERS_DOC}`,
          querystring: keyQuery,
          params: formParams,
          response: { 200: formSchema },
        },
      },
      async (request, reply) => {
        const widgetKey = await admit(request, reply)
        const { document, source } = await formDocument(widgetKey, request.params.formId)
        const settings = await deps.edge.widget(widgetKey.tenantId, widgetKey.publicKey)
        await deps.quota.admit(widgetKey.publicKey, 'mounts', settings.document?.quota)
        // Metered through the event pipeline: answered only once the event is durably appended.
        await deps.publisher.publish([
          serverEventRow({
            tenant_id: widgetKey.tenantId,
            type: 'form.mounted',
            widget_key: widgetKey.publicKey,
            props: { form_id: document.formId, form_version: document.version },
          }),
        ])
        return sendEdgeEntry(request, reply, document.schema, {
          cacheControl: NO_STORE,
          source,
          revalidate: false,
        })
      },
    )

    routes.get(
      '/v1/public/forms/:formId/schema',
      {
        schema: {
          tags: ['public'],
          summary: "A published form's schema, without mounting it (writes nothing)",
          description: `Privately cacheable (${PRIVATE_CACHE_CONTROL}). ${EDGE_HEADERS_DOC}`,
          querystring: keyQuery,
          headers: conditional,
          params: formParams,
          response: { 200: formSchema, 304: notModified },
        },
      },
      async (request, reply) => {
        const widgetKey = await admit(request, reply)
        const { document, source } = await formDocument(widgetKey, request.params.formId)
        return sendEdgeEntry(request, reply, document.schema, {
          cacheControl: PRIVATE_CACHE_CONTROL,
          source,
          revalidate: true,
        })
      },
    )
  }
}
