import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { AppError } from '../platform/errors/catalog.ts'
import { newToken } from '../platform/ids.ts'
import type { TenancyService } from '../platform/tenancy/tenancy-service.ts'
import { DEMO_TENANT, DEMO_WIDGET_KEY_NAME } from './demo-operator.ts'
import { DEMO_PRODUCTS } from './demo-shop.ts'
import { cartPage, catalogPage, checkoutPage, productPage, thanksPage } from './storefront-pages.ts'

export interface StorefrontDeps {
  tenancy: TenancyService
  /** The installation's own URL: the shop's backend reports sales to its Engine API. */
  baseUrl: () => string
}

const productId = z.enum(DEMO_PRODUCTS.map((p) => p.id) as [string, ...string[]])
const orderBody = z.strictObject({
  items: z
    .array(z.strictObject({ productId, quantity: z.number().int().min(1).max(20) }))
    .min(1)
    .max(20),
  email: z.email().max(254),
  chatSessionId: z.string().min(1).max(128).optional(),
  anonymousId: z.string().min(1).max(128).optional(),
})

/**
 * The demo storefront of `comerix serve --demo` at /demo: product list, product page, cart and checkout,
 * each embedding the reference widget with the demo key. The checkout is the shop's backend: it reports
 * the sale with the chat's public session id through POST /v1/engine/conversions with an engine key it
 * keeps server-side.
 */
export function demoStorefrontRoutes(deps: StorefrontDeps): FastifyPluginAsyncZod {
  let backend: Promise<{ tenantId: string; engineKey: string }> | undefined
  const shopBackend = () => {
    backend ??= (async () => {
      const tenant = await deps.tenancy.requireTenant(DEMO_TENANT)
      const issued = await deps.tenancy.createSecretKey(tenant.id, {
        name: 'demo shop backend',
        scopes: ['engine'],
      })
      return { tenantId: tenant.id, engineKey: issued.key }
    })().catch((error: unknown) => {
      backend = undefined
      throw error
    })
    return backend
  }
  const widget = async () => {
    const tenant = await deps.tenancy.requireTenant(DEMO_TENANT)
    const key = (await deps.tenancy.listWidgetKeys(tenant.id)).find(
      (k) => k.name === DEMO_WIDGET_KEY_NAME && !k.revoked,
    )
    if (!key) throw new AppError('not_found', 'the demo is not seeded: run comerix demo:seed')
    return { publicKey: key.publicKey }
  }

  return async (routes) => {
    const page = { schema: { hide: true } }
    routes.get('/', page, async (_request, reply) =>
      reply.type('text/html').send(catalogPage(await widget())),
    )
    routes.get(
      '/products/:id',
      { schema: { hide: true, params: z.object({ id: z.string().max(64) }) } },
      async (request, reply) => {
        const product = DEMO_PRODUCTS.find((p) => p.id === request.params.id)
        if (!product) throw new AppError('not_found', 'no such product')
        return reply.type('text/html').send(productPage(await widget(), product))
      },
    )
    routes.get('/cart', page, async (_request, reply) =>
      reply.type('text/html').send(cartPage(await widget())),
    )
    routes.get('/checkout', page, async (_request, reply) =>
      reply.type('text/html').send(checkoutPage(await widget())),
    )
    routes.get(
      '/thanks',
      { schema: { hide: true, querystring: z.object({ order: z.string().max(64).default('') }) } },
      async (request, reply) => reply.type('text/html').send(thanksPage(await widget(), request.query.order)),
    )

    routes.post('/orders', { schema: { hide: true, body: orderBody } }, async (request, reply) => {
      const { items, email, chatSessionId, anonymousId } = request.body
      const lineItems = items.map((item) => {
        const product = DEMO_PRODUCTS.find((p) => p.id === item.productId) as (typeof DEMO_PRODUCTS)[number]
        return {
          productId: item.productId,
          quantity: item.quantity,
          value: Math.round(product.price * item.quantity * 100) / 100,
        }
      })
      const value = Math.round(lineItems.reduce((sum, line) => sum + line.value, 0) * 100) / 100
      const orderId = `D-${newToken('', 6)}`
      const { engineKey } = await shopBackend()
      const response = await fetch(`${deps.baseUrl().replace(/\/$/, '')}/v1/engine/conversions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${engineKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          conversionId: orderId,
          occurredAt: Date.now(),
          value,
          currency: 'EUR',
          orderId,
          email,
          lineItems,
          ...(chatSessionId ? { chatSessionId } : {}),
          ...(anonymousId ? { anonymousId } : {}),
        }),
      })
      if (!response.ok) {
        request.log.warn({ status: response.status, body: await response.text() }, 'demo sale not reported')
        throw new AppError('not_ready', 'the sale could not be reported; try again')
      }
      return reply.status(201).send({ orderId, value, currency: 'EUR' })
    })
  }
}
