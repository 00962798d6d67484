import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { ConnectionService } from '../engine/connections/connection-service.ts'
import type { FlowOperator } from '../engine/flows/flow-operator.ts'
import type { FlowService } from '../engine/flows/flow-service.ts'
import type { SecretBox } from '../platform/crypto/secret-box.ts'
import { AppError } from '../platform/errors/catalog.ts'
import type { StateStore } from '../platform/state/state-store.ts'
import { withLock } from '../platform/state/with-lock.ts'
import { requireOperatorToken } from '../platform/tenancy/auth.ts'
import type { TenancyService } from '../platform/tenancy/tenancy-service.ts'
import { demoAdminKey } from './demo-admin-key.ts'
import { DEMO_FLOWS } from './demo-flows.ts'
import { DEMO_SHOP_PREFIX, DEMO_SHOP_TOKEN } from './demo-shop.ts'
import { type DemoWidgetDeps, seedDemoWidget } from './demo-widget.ts'

export const DEMO_TENANT = 'demo'
export const DEMO_WIDGET_KEY_NAME = 'demo widget'
export const DEMO_ALLOWED_ORIGINS = [
  'http://localhost:3000',
  'http://localhost:5173',
  'http://localhost:8080',
  'http://127.0.0.1:3000',
  'http://127.0.0.1:5173',
  'http://127.0.0.1:8080',
] as const

/** What `comerix demo:seed --json` prints. */
export interface DemoInfo {
  tenant: string
  /** The demo tenant's one valid admin key: the same on every seed while it works (demo-admin-key.ts). */
  adminKey: string
  publicKey: string
  allowedOrigins: string[]
  intents: string[]
  /** Where the installation answers; the walkthrough's `API`. */
  baseUrl: string
  /** The `shop` connection's base URL: the mock shop API of `comerix serve --demo`. */
  shopApiUrl: string
  /** Whether the process that seeded serves the mock shop API (only `comerix serve --demo` does). */
  shopApiServed: boolean
  /** False when the demo tenant already existed and was reused. */
  tenantCreated: boolean
}

export interface DemoOperator {
  /** Creates or refreshes the demo tenant, its `shop` connection, flows and widget key; idempotent. */
  seedDemo(): Promise<DemoInfo>
}

export interface DemoDeps {
  tenancy: TenancyService
  connections: ConnectionService
  flows: FlowService
  flowOperator: FlowOperator
  state: StateStore
  /** Seals the demo admin key kept in the state store. */
  secretBox: SecretBox
  /** The installation's own URL: the listening address once it listens, else the configured one. */
  baseUrl: () => string
  shopApiServed: boolean
  /** Widget settings and forms: the seed publishes the demo key's settings and a `contact` form. */
  widget: DemoWidgetDeps
}

const LOCK_TTL_MS = 30_000

export function createDemoOperator(deps: DemoDeps): DemoOperator {
  const { tenancy, connections, flows, flowOperator, state } = deps

  // `serve --demo` seeds right after listening; a `demo:seed` at the same moment waits for it.
  const locked = <T>(task: () => Promise<T>): Promise<T> =>
    withLock(
      state,
      'demo:seed',
      {
        leaseMs: LOCK_TTL_MS,
        waitMs: LOCK_TTL_MS,
        busy: () => new AppError('conflict', 'another demo seed is running'),
      },
      task,
    )

  return {
    seedDemo: () =>
      locked(async () => {
        const baseUrl = deps.baseUrl().replace(/\/$/, '')
        const shopApiUrl = `${baseUrl}${DEMO_SHOP_PREFIX}`

        const existing = (await tenancy.listTenants()).find((tenant) => tenant.slug === DEMO_TENANT)
        let tenantId: string
        if (existing) {
          tenantId = existing.id
        } else {
          const created = await tenancy.createTenant({ slug: DEMO_TENANT, name: 'Demo Outdoor Shop' })
          tenantId = created.tenant.id
          // Every key the demo prints is a `demo admin` key, so a later seed can find and revoke it.
          await tenancy.revokeSecretKey(tenantId, created.adminKey.keyId)
        }
        const tenantCreated = existing === undefined
        const adminKey = await demoAdminKey(deps, tenantId)

        // The connection first: publishing checks that the flows' connection exists.
        const shop = (await connections.list(tenantId)).find((connection) => connection.name === 'shop')
        if (!shop) {
          await connections.create(tenantId, {
            name: 'shop',
            baseUrl: shopApiUrl,
            auth: { kind: 'bearer', token: DEMO_SHOP_TOKEN },
            timeoutMs: 5000,
          })
        } else if (shop.baseUrl !== shopApiUrl) {
          // Another port than last time: follow the server.
          await connections.update(tenantId, 'shop', {
            baseUrl: shopApiUrl,
            auth: { kind: 'bearer', token: DEMO_SHOP_TOKEN },
          })
        }

        // Publish only what changed, so re-seeding does not pile up identical versions.
        const published = await flows.publishedIntents(tenantId)
        for (const document of DEMO_FLOWS) {
          const wanted = await flows.validate(tenantId, document)
          const current = published.get(document.intent)
          const same =
            current !== undefined &&
            JSON.stringify(
              await flows.validate(
                tenantId,
                await flows.loadVersion(tenantId, current.flowId, current.version),
              ),
            ) === JSON.stringify(wanted)
          if (!same) await flowOperator.publishFlow(DEMO_TENANT, document)
        }

        const intents = DEMO_FLOWS.map((flow) => flow.intent)
        // The demo shop at /demo embeds the widget from the installation's own origin, whatever its port.
        const ownOrigin = new URL(baseUrl).origin
        const allowedOrigins = [...new Set<string>([...DEMO_ALLOWED_ORIGINS, ownOrigin])]
        const existingKey = (await tenancy.listWidgetKeys(tenantId)).find(
          (key) => key.name === DEMO_WIDGET_KEY_NAME && !key.revoked,
        )
        // A key seeded before a demo flow was added cannot trigger it (or before the server moved to
        // another port, cannot be used by the demo shop); keys are immutable, so replace it.
        const outdated =
          existingKey &&
          ((!existingKey.allIntents && intents.some((i) => !existingKey.intents.includes(i))) ||
            !existingKey.allowedOrigins.includes(ownOrigin))
        if (existingKey && outdated) await tenancy.revokeWidgetKey(tenantId, existingKey.publicKey)
        const widgetKey =
          existingKey && !outdated
            ? existingKey
            : await tenancy.createWidgetKey(tenantId, {
                name: DEMO_WIDGET_KEY_NAME,
                allowedOrigins,
                intents,
              })
        await seedDemoWidget(deps.widget, tenantId, widgetKey.publicKey)

        return {
          tenant: DEMO_TENANT,
          adminKey,
          publicKey: widgetKey.publicKey,
          allowedOrigins: widgetKey.allowedOrigins,
          intents: widgetKey.allIntents ? intents : widgetKey.intents,
          baseUrl,
          shopApiUrl,
          shopApiServed: deps.shopApiServed,
          tenantCreated,
        }
      }),
  }
}

const demoInfo = z.object({
  tenant: z.string(),
  adminKey: z.string(),
  publicKey: z.string(),
  allowedOrigins: z.array(z.string()),
  intents: z.array(z.string()),
  baseUrl: z.string(),
  shopApiUrl: z.string(),
  shopApiServed: z.boolean(),
  tenantCreated: z.boolean(),
})

/** Mounted under /v1/operator: `comerix demo:seed` against a running server lands here. */
export function demoOperatorRoutes(operator: DemoOperator, token: string): FastifyPluginAsyncZod {
  return async (routes) => {
    routes.addHook('onRequest', requireOperatorToken(token))
    routes.post(
      '/demo/seed',
      {
        schema: {
          tags: ['operator'],
          summary: 'Create or refresh the demo tenant, connection, flows and widget key',
          security: [{ operatorToken: [] }],
          response: { 200: demoInfo },
        },
      },
      () => operator.seedDemo(),
    )
  }
}
