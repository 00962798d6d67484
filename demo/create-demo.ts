import type { DashboardService } from '../dashboards/dashboard-service.ts'
import { installOverviewDashboard } from '../dashboards/overview-dashboard.ts'
import type { Engine } from '../engine/create-engine.ts'
import type { EventPublisher } from '../ingest/event-publisher.ts'
import type { Platform } from '../platform/create-platform.ts'
import type { SecretBox } from '../platform/crypto/secret-box.ts'
import type { Reports } from '../reports/create-reports.ts'
import { createDemoOperator, type DemoOperator, demoOperatorRoutes } from './demo-operator.ts'
import { DEMO_SHOP_PREFIX, demoShopRoutes } from './demo-shop.ts'
import { demoStorefrontRoutes } from './demo-storefront.ts'
import { demoGenerateRoutes } from './generate/demo-generate.routes.ts'
import { createDemoGenerator, type DemoGenerator } from './generate/demo-generator.ts'
import { STOREFRONT_PREFIX } from './storefront-pages.ts'

export interface DemoDeps {
  platform: Platform
  engine: Engine
  reports: Reports
  dashboards: DashboardService
  publisher: EventPublisher
  secretBox: SecretBox
  /** This server's own URL: the demo's `shop` connection and storefront call it. */
  baseUrl: () => string
  /** This process serves the API (the demo's operator routes go with it). */
  api: boolean
  /** `comerix serve --demo`: also serve the mock shop API and the storefront at /demo. */
  shop: boolean
}

export interface Demo {
  demo: DemoOperator
  demoGenerator: DemoGenerator
}

/** The demo tenant (flows, widget key and settings, the overview dashboard), its history generator and its routes. */
export async function createDemo(deps: DemoDeps): Promise<Demo> {
  const { platform, engine, reports, dashboards } = deps
  const seeder = createDemoOperator({
    tenancy: platform.tenancy,
    connections: engine.connections,
    flows: engine.flows,
    flowOperator: engine.flowOperator,
    state: platform.state,
    secretBox: deps.secretBox,
    baseUrl: deps.baseUrl,
    shopApiServed: deps.shop && deps.api,
    widget: { settings: engine.widget.settings, forms: engine.widget.forms },
  })
  // The demo tenant also gets the built-in overview dashboard, which `demo:generate` fills with data.
  const demo: DemoOperator = {
    async seedDemo() {
      const info = await seeder.seedDemo()
      const tenant = await platform.tenancy.requireTenant(info.tenant)
      await installOverviewDashboard({ dashboards, reports: reports.reports }, tenant.id)
      return info
    },
  }
  const demoGenerator = createDemoGenerator({
    tenancy: platform.tenancy,
    flows: engine.flows,
    publisher: deps.publisher,
    db: platform.db,
    demo,
  })
  if (deps.api) {
    const operator = { prefix: '/v1/operator' }
    await platform.server.register(demoOperatorRoutes(demo, platform.operatorToken), operator)
    await platform.server.register(demoGenerateRoutes(demoGenerator, platform.operatorToken), operator)
    if (deps.shop) {
      await platform.server.register(demoShopRoutes(), { prefix: DEMO_SHOP_PREFIX })
      await platform.server.register(
        demoStorefrontRoutes({ tenancy: platform.tenancy, baseUrl: deps.baseUrl }),
        {
          prefix: STOREFRONT_PREFIX,
        },
      )
    }
  }
  return { demo, demoGenerator }
}
