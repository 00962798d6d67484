import type { EventPublisher } from '../../ingest/event-publisher.ts'
import type { Platform } from '../../platform/create-platform.ts'
import type { RateLimiter } from '../../platform/http/rate-limit.ts'
import type { WidgetKey } from '../../platform/tenancy/tenancy-service.ts'
import { formRoutes } from '../forms/form.routes.ts'
import { FormService } from '../forms/form-service.ts'
import { widgetAssetRoutes } from '../widget/widget-asset.routes.ts'
import { widgetSettingsRoutes } from '../widget-settings/widget-settings.routes.ts'
import { WidgetSettingsService } from '../widget-settings/widget-settings-service.ts'
import { EdgeDocuments } from './edge-documents.ts'
import { publicRoutes } from './public.routes.ts'
import { UsageQuota } from './usage-quota.ts'

export interface WidgetSurface {
  settings: WidgetSettingsService
  forms: FormService
  edge: EdgeDocuments
  quota: UsageQuota
  /** Counts a session open toward the key's monthly quota (429 usage_quota_exceeded past it). */
  admitSession(widgetKey: WidgetKey): Promise<void>
}

/**
 * The widget's side of the product: per-key settings and forms (admin API), the public reads served from
 * published edge documents, the monthly usage quota, and the reference widget's script (`/widget.js`).
 */
export async function createWidgetSurface(
  platform: Platform,
  publisher: EventPublisher,
  rateLimiter: RateLimiter,
): Promise<WidgetSurface> {
  const { config, server, state, tenancy } = platform
  const db = platform.db.withOrigin({ component: 'widget-surface' })
  // The services tell the edge documents about every publish; the edge documents read the services' versions.
  const settings: WidgetSettingsService = new WidgetSettingsService(db, state, tenancy, (tenantId, key) =>
    edge.refreshWidget(tenantId, key),
  )
  const forms: FormService = new FormService(db, state, (tenantId, formId) =>
    edge.refreshForm(tenantId, formId),
  )
  const edge: EdgeDocuments = new EdgeDocuments(state, settings, forms)
  await edge.start()
  platform.onClose(() => edge.stop())
  const quota = new UsageQuota(state)

  if (config.roles.includes('api')) {
    await server.register(widgetSettingsRoutes(settings, tenancy, quota), { prefix: '/v1/admin' })
    await server.register(formRoutes(forms, tenancy), { prefix: '/v1/admin' })
    await server.register(publicRoutes({ tenancy, edge, quota, publisher, rateLimiter, config }))
    await server.register(widgetAssetRoutes())
  }
  return {
    settings,
    forms,
    edge,
    quota,
    async admitSession(widgetKey) {
      const found = await edge.widget(widgetKey.tenantId, widgetKey.publicKey)
      await quota.admit(widgetKey.publicKey, 'sessions', found.document?.quota)
    },
  }
}
