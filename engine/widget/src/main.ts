import { createApi } from './api.ts'
import { createBeacon, randomId } from './telemetry.ts'
import { type ChatSession, Widget } from './widget.ts'

/**
 * The reference widget: `<script src="https://api.example/widget.js" data-key="pk_..."></script>`. The API
 * is the script's own origin unless `data-api` says otherwise. Shops report commerce events through
 * `window.Comerix` (page, productViewed, cartAdded, checkoutStarted, purchase, identify).
 */
const script = document.currentScript as HTMLScriptElement | null
const publicKey = script?.dataset.key ?? ''
const base = (script?.dataset.api ?? (script?.src ? new URL(script.src).origin : location.origin)).replace(
  /\/$/,
  '',
)

const storage = <T>(store: Storage, key: string) => ({
  read(): T | undefined {
    try {
      const value = store.getItem(key)
      return value ? (JSON.parse(value) as T) : undefined
    } catch {
      return undefined
    }
  },
  write(value: T): void {
    try {
      store.setItem(key, JSON.stringify(value))
    } catch {
      // storage disabled: the visitor is anonymous per page
    }
  },
})

const anonymousStore = storage<string>(localStorage, 'comerix.anonymousId')
const anonymousId = anonymousStore.read() ?? randomId()
anonymousStore.write(anonymousId)
const sessionStore = storage<ChatSession>(sessionStorage, `comerix.session.${publicKey}`)

let widget: Widget | undefined
const beacon = createBeacon(base, publicKey, {
  anonymousId,
  chatSessionId: () => widget?.chatSessionId ?? sessionStore.read()?.sessionId,
})

interface Money {
  value: number
  currency: string
}

const api = createApi(base, publicKey)
const comerix = {
  publicKey,
  anonymousId: () => anonymousId,
  /** The chat's public id: put it in the order so the shop's backend reports it as chatSessionId. */
  chatSessionId: () => widget?.chatSessionId ?? sessionStore.read()?.sessionId,
  page: () => beacon('page.viewed'),
  productViewed: (product: { id: string } & Partial<Money>) =>
    beacon('product.viewed', {
      props: { product_id: product.id },
      ...(product.value === undefined ? {} : { value: product.value, currency: product.currency }),
    }),
  cartAdded: (line: { productId: string; quantity?: number } & Money) =>
    beacon('cart.added', {
      props: { product_id: line.productId, ...(line.quantity ? { quantity: line.quantity } : {}) },
      value: line.value,
      currency: line.currency,
    }),
  checkoutStarted: (total?: Money) => beacon('checkout.started', total ? { ...total } : {}),
  purchase: (order: { orderId: string } & Money) =>
    beacon('purchase', { props: { order_id: order.orderId }, value: order.value, currency: order.currency }),
  identify: (customerId: string) => beacon('identify', { customer_id: customerId }),
  open: () => widget?.toggle(true),
  /** Resolves once the widget is on the page (or failed to load). */
  ready: undefined as Promise<void> | undefined,
}
;(window as unknown as { Comerix: typeof comerix }).Comerix = comerix

async function boot(): Promise<void> {
  if (!publicKey) {
    console.warn('comerix widget: add data-key="pk_..." to the script tag')
    return
  }
  const [config, questions] = await Promise.all([api.widgetConfig(), api.quickQuestions()])
  widget = new Widget(config, {
    api,
    beacon,
    anonymousId,
    loadSession: () => sessionStore.read(),
    saveSession: (session) => sessionStore.write(session),
  })
  widget.mount(questions)
}

comerix.ready = (
  document.readyState === 'loading'
    ? new Promise<void>((resolve) => document.addEventListener('DOMContentLoaded', () => resolve()))
    : Promise.resolve()
)
  .then(boot)
  .catch((error: unknown) => console.warn('comerix widget: not loaded', error))
