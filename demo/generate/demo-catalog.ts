import { DEMO_PRODUCTS } from '../demo-shop.ts'

/** The facts a generated history is drawn from: what the demo shop sells and who visits it. */

export const SHOP_ORIGIN = 'https://shop.example'

export const PRODUCTS = DEMO_PRODUCTS.map((product) => ({ id: product.id, price: product.price }))

export const PAGES = ['/', '/shoes', '/jackets', '/backpacks', '/sale', '/about', '/shipping', '/cart']

export const USER_AGENTS: ReadonlyArray<readonly [string, number]> = [
  [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    32,
  ],
  [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
    26,
  ],
  [
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
    18,
  ],
  [
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
    12,
  ],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0', 7],
  [
    'Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
    5,
  ],
]

export const COUNTRIES: ReadonlyArray<readonly [string, number]> = [
  ['DE', 38],
  ['US', 20],
  ['FR', 12],
  ['GB', 10],
  ['NL', 8],
  ['AT', 7],
  ['CH', 5],
]

/** Landing query strings: campaigns with UTM parameters and ad click ids, or none. */
export const TRAFFIC: ReadonlyArray<readonly [{ query: string; referrer: string }, number]> = [
  [{ query: '', referrer: '' }, 30],
  [{ query: '', referrer: 'https://www.google.com/' }, 25],
  [{ query: '?utm_source=google&utm_medium=cpc&utm_campaign=spring&gclid=', referrer: '' }, 15],
  [{ query: '?utm_source=newsletter&utm_medium=email&utm_campaign=weekly', referrer: '' }, 12],
  [{ query: '?utm_source=facebook&utm_medium=paid_social&fbclid=', referrer: '' }, 10],
  [{ query: '', referrer: 'https://www.instagram.com/' }, 8],
]

/** Share of visits started in each hour of the day (UTC): quiet nights, a lunch bump, an evening peak. */
export const HOURLY_WEIGHTS = [
  1, 0.6, 0.4, 0.3, 0.3, 0.5, 1.2, 2.2, 3.2, 3.8, 4.2, 4.6, 5.2, 5, 4.6, 4.4, 4.6, 5.2, 6.2, 7, 7.2, 6.4, 4.4,
  2.2,
]

export const QUICK_QUESTIONS = [
  { id: 'qq-where-order', text: 'Where is my order?', intent: 'order_status' },
  { id: 'qq-find-shoes', text: 'Help me find the right shoes', intent: 'product_finder' },
  { id: 'qq-find-jacket', text: 'Which jacket is waterproof?', intent: 'product_finder' },
  { id: 'qq-return', text: 'I want to return something', intent: 'returns_request' },
  { id: 'qq-shipping', text: 'How long does shipping take?', intent: 'faq' },
] as const

/** What one run of an intent's flow shows: its first blocks, the form it waits on, the blocks that end it. */
export interface FlowScript {
  opening: string[]
  form: string
  closing: string[]
  /** The flow's `goal` node, if it has one. */
  goal?: string
  /** LLM calls a completed run makes (min, max), from the node `llmNode`. */
  llmCalls: readonly [number, number]
  llmNode: string
}

/**
 * Node ids as in the demo flows (demo/demo-flows.ts, demo-faq-flow.ts), so the drop-off report
 * names real blocks; only `faq` has an `llm` node there, the other LLM node ids stand for flows that would.
 */
export const FLOW_SCRIPTS: Record<string, FlowScript> = {
  order_status: {
    opening: ['welcome', 'ask_order'],
    form: 'ask_order',
    closing: ['shipped', 'rate'],
    goal: 'order_status.answered',
    llmCalls: [0, 1],
    llmNode: 'summarize_status',
  },
  product_finder: {
    opening: ['welcome', 'ask_needs'],
    form: 'ask_needs',
    closing: ['show_three', 'done'],
    goal: 'product_finder.shown',
    llmCalls: [1, 3],
    llmNode: 'rank_products',
  },
  returns_request: {
    opening: ['welcome', 'ask_details'],
    form: 'ask_details',
    closing: ['confirm', 'done'],
    goal: 'returns.requested',
    llmCalls: [0, 1],
    llmNode: 'classify_reason',
  },
  faq: {
    opening: ['ask_question'],
    form: 'ask_question',
    closing: ['answer', 'more'],
    llmCalls: [1, 1],
    llmNode: 'answer',
  },
}

export const GENERIC_SCRIPT: FlowScript = {
  opening: ['welcome', 'ask'],
  form: 'ask',
  closing: ['answer', 'done'],
  llmCalls: [1, 2],
  llmNode: 'llm',
}

export interface ModelPrice {
  provider: 'openai-compatible' | 'local'
  model: string
  /** USD per million tokens. */
  input: number
  cachedInput: number
  output: number
  priceId: string
}

export const MODELS: ReadonlyArray<readonly [ModelPrice, number]> = [
  [
    {
      provider: 'openai-compatible',
      model: 'gpt-4o-mini',
      input: 0.15,
      cachedInput: 0.075,
      output: 0.6,
      priceId: 'gpt-4o-mini@2024-07-18',
    },
    70,
  ],
  [
    {
      provider: 'openai-compatible',
      model: 'gpt-4o',
      input: 2.5,
      cachedInput: 1.25,
      output: 10,
      priceId: 'gpt-4o@2024-08-06',
    },
    20,
  ],
  [
    { provider: 'local', model: 'llama-3.1-8b-instruct', input: 0, cachedInput: 0, output: 0, priceId: '' },
    10,
  ],
]
