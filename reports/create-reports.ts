import { systemClock } from '../platform/clock.ts'
import type { Platform } from '../platform/create-platform.ts'
import { analyticsRoutes } from './semantic/analytics.routes.ts'
import type { MetricFamily } from './semantic/metric-family.ts'

export interface Reports {
  /** Every metric family of the semantic layer, by name. */
  families: Map<string, MetricFamily<never>>
}

/** The semantic layer's families; each one answers `GET /v1/analytics/<name>` and report specs. */
const FAMILIES: MetricFamily<never>[] = []

/** Wires analytics onto the platform: the analytics routes for the `api` role. */
export async function createReports(platform: Platform): Promise<Reports> {
  const { config, db, server, tenancy } = platform
  if (config.roles.includes('api')) {
    await server.register(analyticsRoutes({ db, tenancy, clock: systemClock, families: FAMILIES }), {
      prefix: '/v1/analytics',
    })
  }
  return { families: new Map(FAMILIES.map((family) => [family.name, family])) }
}
