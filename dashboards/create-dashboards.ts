import { systemClock } from '../platform/clock.ts'
import type { Platform } from '../platform/create-platform.ts'
import type { Reports } from '../reports/create-reports.ts'
import { dashboardRoutes } from './dashboard.routes.ts'
import { DashboardService } from './dashboard-service.ts'
import { installOverviewDashboard } from './overview-dashboard.ts'

/** Wires dashboards onto the platform: their routes for the `api` role. */
export async function createDashboards(platform: Platform, reports: Reports): Promise<DashboardService> {
  const dashboards = new DashboardService(platform.db, reports.reports, systemClock)
  if (platform.config.roles.includes('api')) {
    const installOverview = (tenantId: string, timezone: string) =>
      installOverviewDashboard({ dashboards, reports: reports.reports }, tenantId, timezone)
    await platform.server.register(dashboardRoutes(dashboards, platform.tenancy, installOverview), {
      prefix: '/v1/admin',
    })
  }
  return dashboards
}
