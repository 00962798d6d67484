import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'

/**
 * The demo's mock shop API, served by `comerix serve --demo` under `/demo/shop`. The demo tenant's
 * `shop` connection points here, so the demo flows make real outbound HTTP calls without a real shop.
 * Data lives in memory: return requests vanish when the process stops.
 */
export const DEMO_SHOP_PREFIX = '/demo/shop'
export const DEMO_SHOP_TOKEN = 'demo-shop-token'

export interface DemoProduct {
  id: string
  title: string
  description: string
  price: number
  currency: 'EUR'
  category: 'shoes' | 'jackets' | 'backpacks'
  features: string[]
  color: string
}

export const DEMO_CATEGORIES = [
  { label: 'Shoes', value: 'shoes' },
  { label: 'Jackets', value: 'jackets' },
  { label: 'Backpacks', value: 'backpacks' },
] as const

export const DEMO_FEATURES = [
  { label: 'Waterproof', value: 'waterproof' },
  { label: 'Lightweight', value: 'lightweight' },
  { label: 'Recycled materials', value: 'recycled' },
  { label: 'Reflective details', value: 'reflective' },
] as const

export const DEMO_PRODUCTS: readonly DemoProduct[] = [
  {
    id: 'p-trail-runner',
    title: 'Trail Runner GTX',
    description: 'Grippy trail shoe with a waterproof membrane.',
    price: 129.9,
    currency: 'EUR',
    category: 'shoes',
    features: ['waterproof', 'reflective'],
    color: '#2f855a',
  },
  {
    id: 'p-city-sneaker',
    title: 'City Sneaker Eco',
    description: 'Everyday sneaker made from recycled plastics.',
    price: 79,
    currency: 'EUR',
    category: 'shoes',
    features: ['recycled', 'lightweight'],
    color: '#3182ce',
  },
  {
    id: 'p-hiker-mid',
    title: 'Hiker Mid WP',
    description: 'Mid-cut hiking boot, waterproof and sturdy.',
    price: 159,
    currency: 'EUR',
    category: 'shoes',
    features: ['waterproof'],
    color: '#975a16',
  },
  {
    id: 'p-road-flyer',
    title: 'Road Flyer 2',
    description: 'Featherweight road running shoe.',
    price: 109,
    currency: 'EUR',
    category: 'shoes',
    features: ['lightweight', 'reflective'],
    color: '#d53f8c',
  },
  {
    id: 'p-storm-shell',
    title: 'Storm Shell Jacket',
    description: '3-layer rain shell with taped seams.',
    price: 219,
    currency: 'EUR',
    category: 'jackets',
    features: ['waterproof', 'lightweight'],
    color: '#2b6cb0',
  },
  {
    id: 'p-puffer',
    title: 'Recycled Puffer',
    description: 'Warm puffer filled with recycled down.',
    price: 149,
    currency: 'EUR',
    category: 'jackets',
    features: ['recycled'],
    color: '#c05621',
  },
  {
    id: 'p-daypack',
    title: 'Daypack 22',
    description: '22 litre daypack with a rain cover.',
    price: 69,
    currency: 'EUR',
    category: 'backpacks',
    features: ['waterproof', 'lightweight', 'reflective'],
    color: '#276749',
  },
  {
    id: 'p-commuter',
    title: 'Commuter Roll-top',
    description: 'Roll-top bag from recycled tarpaulin.',
    price: 99,
    currency: 'EUR',
    category: 'backpacks',
    features: ['waterproof', 'recycled'],
    color: '#4a5568',
  },
]

interface DemoOrder {
  status: 'paid' | 'processing' | 'shipped' | 'delivered' | 'cancelled'
  productId: string
  /** Days from today: the demo's dates stay current. */
  etaDays: number
}

/** A-1001 is the walkthrough's order. */
export const DEMO_ORDERS: Readonly<Record<string, DemoOrder>> = {
  'A-1001': { status: 'shipped', productId: 'p-trail-runner', etaDays: 2 },
  'A-1002': { status: 'processing', productId: 'p-storm-shell', etaDays: 6 },
  'A-1003': { status: 'delivered', productId: 'p-daypack', etaDays: -3 },
  'A-1004': { status: 'cancelled', productId: 'p-puffer', etaDays: 9 },
}

const RETURN_REASONS = new Set(['too_small', 'too_big', 'damaged', 'not_as_described', 'changed_mind'])

/** The shop's own public address as the caller reached it (images and product pages are links for browsers). */
const origin = (request: FastifyRequest) => `${request.protocol}://${request.host}`

function productView(request: FastifyRequest, product: DemoProduct) {
  const base = `${origin(request)}${DEMO_SHOP_PREFIX}`
  return {
    id: product.id,
    title: product.title,
    description: product.description,
    price: product.price.toFixed(2),
    currency: product.currency,
    category: product.category,
    features: product.features,
    image_url: `${base}/images/${product.id}.svg`,
    url: `${base}/products/${product.id}`,
  }
}

/** `features` arrives as a JSON array (a template renders lists as JSON), a comma list, or nothing. */
function parseList(value: unknown): string[] {
  if (typeof value !== 'string' || value.trim() === '') return []
  try {
    const parsed: unknown = JSON.parse(value)
    if (Array.isArray(parsed)) return parsed.map(String)
  } catch {
    // not JSON: a comma-separated list
  }
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
}

const escapeXml = (text: string) =>
  text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] ?? c)

function placeholderSvg(product: DemoProduct): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="200" viewBox="0 0 320 200"><rect width="320" height="200" fill="${product.color}"/><text x="160" y="108" font-family="sans-serif" font-size="20" fill="#fff" text-anchor="middle">${escapeXml(product.title)}</text></svg>`
}

const notFound = (reply: FastifyReply, message: string) =>
  reply.code(404).send({ error: { code: 'not_found', message } })

export function demoShopRoutes(): FastifyPluginAsync {
  const returns = new Map<string, Record<string, unknown>>()
  let nextReturn = 5001

  return async (routes) => {
    // The API part needs the token the demo `shop` connection stores (encrypted) and sends.
    const requireToken = async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.headers.authorization !== `Bearer ${DEMO_SHOP_TOKEN}`)
        return reply.code(401).send({ error: { code: 'unauthorized', message: 'bad shop token' } })
    }

    routes.get<{ Params: { orderNumber: string } }>(
      '/orders/:orderNumber',
      { preHandler: requireToken, schema: { hide: true } },
      async (request, reply) => {
        const number = request.params.orderNumber.trim().toUpperCase()
        const order = DEMO_ORDERS[number]
        if (!order) return notFound(reply, `no order ${number}`)
        const product = DEMO_PRODUCTS.find((p) => p.id === order.productId) as DemoProduct
        return {
          orderNumber: number,
          status: order.status,
          estimatedDelivery: new Date(Date.now() + order.etaDays * 86_400_000).toISOString().slice(0, 10),
          tracking: {
            carrier: 'DemoPost',
            url: `${origin(request)}${DEMO_SHOP_PREFIX}/tracking/${encodeURIComponent(number)}`,
          },
          items: [{ ...productView(request, product), quantity: 1 }],
        }
      },
    )

    routes.get<{ Querystring: Record<string, string | undefined> }>(
      '/products',
      { preHandler: requireToken, schema: { hide: true } },
      async (request) => {
        const { category, budget, features } = request.query
        const wanted = parseList(features)
        const maxPrice = budget === undefined || budget === '' ? Number.POSITIVE_INFINITY : Number(budget)
        const matches = DEMO_PRODUCTS.filter(
          (product) =>
            (!category || product.category === category) &&
            product.price <= maxPrice &&
            wanted.every((feature) => product.features.includes(feature)),
        ).sort((a, b) => b.price - a.price)
        return {
          count: matches.length,
          products: matches.map((product) => productView(request, product)),
          browseUrl: `${origin(request)}${DEMO_SHOP_PREFIX}/categories/${encodeURIComponent(category ?? 'all')}`,
        }
      },
    )

    routes.post<{ Body: Record<string, unknown> | null }>(
      '/returns',
      { preHandler: requireToken, schema: { hide: true } },
      async (request, reply) => {
        const body = request.body ?? {}
        const orderNumber = String(body.orderNumber ?? '')
          .trim()
          .toUpperCase()
        const reason = String(body.reason ?? '')
        const email = String(body.email ?? '')
        if (!DEMO_ORDERS[orderNumber]) return notFound(reply, `no order ${orderNumber}`)
        if (!RETURN_REASONS.has(reason) || !email.includes('@'))
          return reply
            .code(400)
            .send({ error: { code: 'invalid', message: 'reason and email are required' } })
        const returnId = `R-${nextReturn++}`
        const created = {
          returnId,
          status: 'requested',
          orderNumber,
          reason,
          email,
          // The chat form's file field carries a reference string, not the file (see the walkthrough).
          photo: typeof body.photo === 'string' && body.photo !== '' ? body.photo : null,
          comment: typeof body.comment === 'string' ? body.comment : '',
          labelUrl: `${origin(request)}${DEMO_SHOP_PREFIX}/returns/${returnId}/label`,
          createdAt: new Date().toISOString(),
        }
        returns.set(returnId, created)
        return reply.code(201).send(created)
      },
    )

    routes.get<{ Params: { returnId: string } }>(
      '/returns/:returnId',
      { preHandler: requireToken, schema: { hide: true } },
      async (request, reply) => returns.get(request.params.returnId) ?? notFound(reply, 'no such return'),
    )

    // Browser-facing pages the blocks link to: plain and public, like a shop's storefront.
    routes.get<{ Params: { file: string } }>(
      '/images/:file',
      { schema: { hide: true } },
      async (request, reply) => {
        const product = DEMO_PRODUCTS.find((p) => `${p.id}.svg` === request.params.file)
        if (!product) return notFound(reply, 'no such image')
        return reply.type('image/svg+xml').send(placeholderSvg(product))
      },
    )
    routes.get<{ Params: { id: string } }>(
      '/products/:id',
      { schema: { hide: true } },
      async (request, reply) => {
        const product = DEMO_PRODUCTS.find((p) => p.id === request.params.id)
        return product ? productView(request, product) : notFound(reply, 'no such product')
      },
    )
    routes.get('/tracking/:orderNumber', { schema: { hide: true } }, async (request) => ({
      orderNumber: (request.params as { orderNumber: string }).orderNumber,
      carrier: 'DemoPost',
      events: [
        { at: new Date(Date.now() - 86_400_000).toISOString(), description: 'Parcel handed to DemoPost' },
      ],
    }))
    routes.get('/categories/:category', { schema: { hide: true } }, async (request) => {
      const { category } = request.params as { category: string }
      return {
        category,
        products: DEMO_PRODUCTS.filter((p) => category === 'all' || p.category === category).map((product) =>
          productView(request, product),
        ),
      }
    })
    routes.get('/returns/:returnId/label', { schema: { hide: true } }, async (request, reply) => {
      const { returnId } = request.params as { returnId: string }
      const found = returns.get(returnId)
      if (!found) return notFound(reply, 'no such return')
      return reply.type('text/plain').send(`Return label ${returnId} for order ${found.orderNumber}\n`)
    })
  }
}
