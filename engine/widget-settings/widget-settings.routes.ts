import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { principalOf, requireSecretKey } from '../../platform/tenancy/auth.ts'
import type { TenancyService } from '../../platform/tenancy/tenancy-service.ts'
import type { UsageQuota } from '../public/usage-quota.ts'
import { monthlyQuotaSchema, widgetSettingsSchema } from './widget-settings-schema.ts'
import type { WidgetSettingsService } from './widget-settings-service.ts'

const security = [{ secretKey: [] }]
const keyParams = z.object({ publicKey: z.string().min(1).max(200) })
const settingsDocument = z
  .record(z.string(), z.unknown())
  .describe(
    'A widget settings document: displayName, greeting, theme, launcher, quickQuestions, monthlyQuota',
  )

const summary = z.object({
  publicKey: z.string(),
  publishedVersion: z.number().describe('0 while nothing is published'),
  latestVersion: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
})
const detail = summary.extend({ draft: widgetSettingsSchema })
const versionInfo = z.object({ version: z.number(), publishedBy: z.string(), createdAt: z.string() })
const usage = z.object({
  month: z.string().describe('UTC calendar month, YYYY-MM'),
  quota: monthlyQuotaSchema.describe('The published quota; absent metrics are unlimited'),
  used: z.object({ sessions: z.number(), mounts: z.number() }).describe('Admitted this month'),
})

/** Widget settings for a tenant's admin key, per widget key: draft, validate, publish. Mounted under /v1/admin. */
export function widgetSettingsRoutes(
  settings: WidgetSettingsService,
  tenancy: TenancyService,
  quota: UsageQuota,
): FastifyPluginAsyncZod {
  return async (routes) => {
    routes.addHook('onRequest', requireSecretKey(tenancy, 'admin'))
    const tenantOf = (request: Parameters<typeof principalOf>[0]) => principalOf(request).tenantId

    routes.get(
      '/widget-settings',
      {
        schema: {
          tags: ['widget-settings'],
          summary: 'Widget keys with saved settings',
          security,
          response: { 200: z.object({ settings: z.array(summary) }) },
        },
      },
      async (request) => ({ settings: await settings.list(tenantOf(request)) }),
    )

    routes.get(
      '/widget-settings/:publicKey',
      {
        schema: {
          tags: ['widget-settings'],
          summary: "A key's settings draft (the defaults until one is saved)",
          security,
          params: keyParams,
          response: { 200: detail },
        },
      },
      async (request) => settings.get(tenantOf(request), request.params.publicKey),
    )

    routes.put(
      '/widget-settings/:publicKey',
      {
        schema: {
          tags: ['widget-settings'],
          summary: 'Create or replace the draft (not served until published)',
          security,
          params: keyParams,
          body: settingsDocument,
          response: { 200: detail },
        },
      },
      async (request) => settings.saveDraft(tenantOf(request), request.params.publicKey, request.body),
    )

    routes.post(
      '/widget-settings/:publicKey/validate',
      {
        schema: {
          tags: ['widget-settings'],
          summary: 'Validate a settings document; 400 lists every problem with its path',
          security,
          params: keyParams,
          body: settingsDocument,
          response: { 200: z.object({ ok: z.literal(true) }) },
        },
      },
      async (request) => {
        await settings.validate(tenantOf(request), request.params.publicKey, request.body)
        return { ok: true as const }
      },
    )

    routes.post(
      '/widget-settings/:publicKey/publish',
      {
        schema: {
          tags: ['widget-settings'],
          summary:
            'Freeze the draft as a new version and serve it on the public reads (every process at once)',
          security,
          params: keyParams,
          response: { 200: versionInfo },
        },
      },
      async (request) =>
        settings.publish(tenantOf(request), request.params.publicKey, principalOf(request).keyId),
    )

    routes.get(
      '/widget-settings/:publicKey/versions',
      {
        schema: {
          tags: ['widget-settings'],
          summary: 'Published versions',
          security,
          params: keyParams,
          response: { 200: z.object({ versions: z.array(versionInfo) }) },
        },
      },
      async (request) => ({
        versions: await settings.versionsOf(tenantOf(request), request.params.publicKey),
      }),
    )

    routes.get(
      '/widget-settings/:publicKey/usage',
      {
        schema: {
          tags: ['widget-settings'],
          summary: "This month's admitted sessions and form mounts against the key's monthly quota",
          description:
            'The quota counters of the hot path. The metering of record, per day, is GET /v1/analytics/usage.',
          security,
          params: keyParams,
          response: { 200: usage },
        },
      },
      async (request) => {
        const tenantId = tenantOf(request)
        const { publicKey } = request.params
        await settings.get(tenantId, publicKey)
        const published = await settings.published(tenantId, publicKey)
        return {
          month: new Date().toISOString().slice(0, 7),
          quota: published?.settings.monthlyQuota ?? {},
          used: await quota.used(publicKey),
        }
      },
    )
  }
}
