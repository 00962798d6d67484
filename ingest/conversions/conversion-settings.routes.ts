import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { principalOf, requireSecretKey } from '../../platform/tenancy/auth.ts'
import type { TenancyService } from '../../platform/tenancy/tenancy-service.ts'
import {
  type ConversionSettingsService,
  conversionSettingsInput,
  conversionSettingsView,
} from './conversion-settings.ts'

const security = [{ secretKey: [] }]
const tags = ['conversions']
const URL = '/v1/admin/conversion-settings'

/** The tenant's trust model for widget purchase beacons, under an admin-scoped secret key. */
export function conversionSettingsRoutes(
  settings: ConversionSettingsService,
  tenancy: TenancyService,
): FastifyPluginAsyncZod {
  return async (routes) => {
    routes.addHook('onRequest', requireSecretKey(tenancy, 'admin'))

    routes.get(
      URL,
      {
        schema: {
          tags,
          summary: 'How widget purchase beacons count (default: unverified, never counted)',
          security,
          response: { 200: conversionSettingsView },
        },
      },
      async (request) => settings.get(principalOf(request).tenantId),
    )

    routes.put(
      URL,
      {
        schema: {
          tags,
          summary:
            'Choose how widget purchase beacons count: unverified, or counted up to an optional value cap',
          description:
            'Applies to every conversion read (analytics, goals, attribution, the SQL views), past beacons included, from the next query on.',
          security,
          body: conversionSettingsInput,
          response: { 200: conversionSettingsView },
        },
      },
      async (request) => settings.set(principalOf(request).tenantId, request.body),
    )
  }
}
