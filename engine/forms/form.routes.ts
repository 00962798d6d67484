import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { principalOf, requireSecretKey } from '../../platform/tenancy/auth.ts'
import type { TenancyService } from '../../platform/tenancy/tenancy-service.ts'
import { formDocumentSchema } from './form-schema.ts'
import type { FormService } from './form-service.ts'

const security = [{ secretKey: [] }]
const formParams = z.object({ formId: z.uuid() })
const formDocument = z
  .record(z.string(), z.unknown())
  .describe('A form: name, title?, description?, fields (the chat form field types), submitLabel')

const summary = z.object({
  formId: z.string(),
  name: z.string(),
  publishedVersion: z.number().describe('0 while not published'),
  latestVersion: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
})
const detail = summary.extend({ draft: formDocumentSchema })
const versionInfo = z.object({
  version: z.number(),
  name: z.string(),
  publishedBy: z.string(),
  createdAt: z.string(),
})

/** Forms for a tenant's admin key: CRUD of drafts, validate, publish versions. Mounted under /v1/admin. */
export function formRoutes(forms: FormService, tenancy: TenancyService): FastifyPluginAsyncZod {
  return async (routes) => {
    routes.addHook('onRequest', requireSecretKey(tenancy, 'admin'))
    const tenantOf = (request: Parameters<typeof principalOf>[0]) => principalOf(request).tenantId

    routes.post(
      '/forms/validate',
      {
        schema: {
          tags: ['forms'],
          summary: 'Validate a form document; 400 lists every problem with its path',
          security,
          body: formDocument,
          response: { 200: z.object({ ok: z.literal(true) }) },
        },
      },
      async (request) => {
        forms.validate(request.body)
        return { ok: true as const }
      },
    )

    routes.post(
      '/forms',
      {
        schema: {
          tags: ['forms'],
          summary: 'Create a form draft',
          security,
          body: formDocument,
          response: { 201: detail },
        },
      },
      async (request, reply) => reply.status(201).send(await forms.create(tenantOf(request), request.body)),
    )

    routes.get(
      '/forms',
      {
        schema: {
          tags: ['forms'],
          summary: 'List forms',
          security,
          response: { 200: z.object({ forms: z.array(summary) }) },
        },
      },
      async (request) => ({ forms: await forms.list(tenantOf(request)) }),
    )

    routes.get(
      '/forms/:formId',
      {
        schema: {
          tags: ['forms'],
          summary: 'A form and its draft',
          security,
          params: formParams,
          response: { 200: detail },
        },
      },
      async (request) => forms.get(tenantOf(request), request.params.formId),
    )

    routes.put(
      '/forms/:formId',
      {
        schema: {
          tags: ['forms'],
          summary: 'Replace the draft',
          security,
          params: formParams,
          body: formDocument,
          response: { 200: detail },
        },
      },
      async (request) => forms.update(tenantOf(request), request.params.formId, request.body),
    )

    routes.delete(
      '/forms/:formId',
      {
        schema: {
          tags: ['forms'],
          summary: 'Delete a form (no longer served)',
          security,
          params: formParams,
        },
      },
      async (request, reply) => {
        await forms.delete(tenantOf(request), request.params.formId)
        return reply.status(204).send()
      },
    )

    routes.post(
      '/forms/:formId/publish',
      {
        schema: {
          tags: ['forms'],
          summary: 'Freeze the draft as a new version and serve it on the public form reads',
          security,
          params: formParams,
          response: { 200: versionInfo },
        },
      },
      async (request) => forms.publish(tenantOf(request), request.params.formId, principalOf(request).keyId),
    )

    routes.post(
      '/forms/:formId/unpublish',
      {
        schema: {
          tags: ['forms'],
          summary: 'Stop serving the form on the public reads',
          security,
          params: formParams,
          response: { 200: summary },
        },
      },
      async (request) => forms.unpublish(tenantOf(request), request.params.formId),
    )

    routes.get(
      '/forms/:formId/versions',
      {
        schema: {
          tags: ['forms'],
          summary: 'Published versions',
          security,
          params: formParams,
          response: { 200: z.object({ versions: z.array(versionInfo) }) },
        },
      },
      async (request) => ({ versions: await forms.versionsOf(tenantOf(request), request.params.formId) }),
    )
  }
}
