import { fileURLToPath } from 'node:url'
import { systemClock } from '../platform/clock.ts'
import type { Platform } from '../platform/create-platform.ts'
import type { Reports } from '../reports/create-reports.ts'
import { adminUiRoutes } from './admin-ui.routes.ts'
import { analyticsCatalogRoutes } from './analytics-catalog.routes.ts'
import { installBuiltinDashboard } from './builtin-dashboards.ts'
import { dashboardRoutes } from './dashboard.routes.ts'
import { DashboardService } from './dashboard-service.ts'
import { installOverviewDashboard } from './overview-dashboard.ts'

/** Where `npm run build:admin` writes the admin panel. */
export const ADMIN_UI_DIST = fileURLToPath(new URL('./web/dist', import.meta.url))

/** Wires dashboards onto the platform: their routes and the admin panel (/admin) for the `api` role. */
export async function createDashboards(platform: Platform, reports: Reports): Promise<DashboardService> {
  const dashboards = new DashboardService(platform.db, reports.reports, systemClock)
  if (platform.config.roles.includes('api')) {
    const installOverview = (tenantId: string, timezone: string) =>
      installOverviewDashboard({ dashboards, reports: reports.reports }, tenantId, timezone)
    const installBuiltin = (tenantId: string, key: string, timezone: string) =>
      installBuiltinDashboard({ dashboards, reports: reports.reports }, tenantId, key, timezone)
    await platform.server.register(
      dashboardRoutes(dashboards, platform.tenancy, installOverview, installBuiltin),
      {
        prefix: '/v1/admin',
      },
    )
    await platform.server.register(analyticsCatalogRoutes(reports.families.values(), platform.tenancy), {
      prefix: '/v1/admin',
    })
    await platform.server.register(adminUiRoutes({ distDir: ADMIN_UI_DIST }))
  }
  return dashboards
}
