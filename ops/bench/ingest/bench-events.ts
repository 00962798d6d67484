import { randomUUID } from 'node:crypto'

export const ORIGIN = 'https://shop.example'
export const USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'

const PAGES = ['/', '/collections/shoes', '/products/trail-runner-2', '/cart', '/blog/how-to-choose-sizes']
const CAMPAIGNS = ['summer-sale', 'retargeting', 'brand']

/**
 * A widget-like mix of events: mostly page views with campaign parameters, some widget and commerce
 * events. Deterministic per `seq` except `event_id`, so every run stores distinct events.
 */
function benchEvent(seq: number, now: number): Record<string, unknown> {
  const anonymousId = `anon-${(seq * 7919) % 50_000}`
  const page = `${ORIGIN}${PAGES[seq % PAGES.length]}`
  const common = { event_id: randomUUID(), ts: now - (seq % 1000), anonymous_id: anonymousId }
  switch (seq % 10) {
    case 5:
      return { ...common, type: 'widget.loaded', url: page, session_id: `s-${seq % 9000}` }
    case 6:
      return {
        ...common,
        type: 'product.viewed',
        url: page,
        props: { product_id: `sku-${seq % 400}` },
        value: 89.9,
        currency: 'EUR',
      }
    case 7:
      return { ...common, type: 'message.sent', chat_session_id: `chat-${seq % 3000}`, intent: 'sizing' }
    case 8:
      return {
        ...common,
        type: 'cart.added',
        props: { product_id: `sku-${seq % 400}`, quantity: 1 + (seq % 3) },
        value: 89.9,
        currency: 'EUR',
      }
    case 9:
      return { ...common, type: 'widget.opened', url: page }
    default: {
      const campaign = CAMPAIGNS[seq % CAMPAIGNS.length]
      return {
        ...common,
        type: 'page.viewed',
        url: `${page}?utm_source=google&utm_medium=cpc&utm_campaign=${campaign}&gclid=Cj0KCQ${seq % 100_000}`,
        referrer: 'https://www.google.com/',
        session_id: `s-${seq % 9000}`,
      }
    }
  }
}

const ID_MARK = '@@event_id@@'

/**
 * Request bodies for the load generator. Serialising a fresh event object costs several µs per request
 * on the generator's side of a shared CPU, so bodies are spliced from templates (one per `seq` modulo
 * `variety`, built once) around a fresh event_id: every event is still distinct.
 */
export class BenchBodies {
  private readonly templates: Array<readonly [string, string]>

  constructor(now = Date.now(), variety = 1000) {
    this.templates = Array.from({ length: variety }, (_, seq) => {
      const [before = '', after = ''] = JSON.stringify({ ...benchEvent(seq, now), event_id: ID_MARK }).split(
        ID_MARK,
      )
      return [before, after] as const
    })
  }

  /** One event as a JSON text, and its id. */
  event(seq: number): { ids: string[]; json: string } {
    const id = randomUUID()
    return { ids: [id], json: this.splice(seq, id) }
  }

  /** `{ "events": [...] }` of `size` events numbered from `firstSeq`. */
  batch(firstSeq: number, size: number): { ids: string[]; json: string } {
    const ids = Array.from({ length: size }, () => randomUUID())
    return { ids, json: `{"events":[${ids.map((id, i) => this.splice(firstSeq + i, id)).join(',')}]}` }
  }

  private splice(seq: number, id: string): string {
    const [before, after] = this.templates[seq % this.templates.length] as readonly [string, string]
    return `${before}${id}${after}`
  }
}
