import { systemClock } from '../platform/clock.ts'
import type { Platform } from '../platform/create-platform.ts'
import type { Reports } from '../reports/create-reports.ts'
import { dashboardRoutes } from './dashboard.routes.ts'
import { DashboardService } from './dashboard-service.ts'

/** Wires dashboards onto the platform: their routes for the `api` role. */
export async function createDashboards(platform: Platform, reports: Reports): Promise<DashboardService> {
  const dashboards = new DashboardService(platform.db, reports.reports, systemClock)
  if (platform.config.roles.includes('api')) {
    await platform.server.register(dashboardRoutes(dashboards, platform.tenancy), { prefix: '/v1/admin' })
  }
  return dashboards
}
