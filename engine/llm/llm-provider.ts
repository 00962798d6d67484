/** The provider port: one chat completion, whatever answers it (an OpenAI-compatible API, the local responder). */

export interface LlmMessage {
  role: 'system' | 'user' | 'assistant'
  content: string
}

export interface LlmRequest {
  model: string
  messages: LlmMessage[]
  temperature?: number
  maxTokens?: number
  /** Deadline for the whole call, retries included. */
  timeoutMs: number
  /** Snippets the answer should rest on (FAQ entries, product data); adapters decide how to use them. */
  grounding?: { title: string; text: string }[]
}

export interface LlmUsage {
  promptTokens: number
  /** Prompt tokens the provider served from its cache (a subset of `promptTokens`). */
  cachedPromptTokens: number
  completionTokens: number
  totalTokens: number
  /** A cost the provider reported itself, in USD micros; it takes precedence over the price catalog. */
  providerCostMicros?: number
}

export interface LlmResponse {
  text: string
  /** The model as the provider reported it (may be more specific than the one asked for). */
  model: string
  usage: LlmUsage
  latencyMs: number
}

export type LlmErrorKind = 'timeout' | 'rate_limited' | 'server' | 'client' | 'network' | 'invalid_response'

/** A failed call. `usage` is set only when the provider reported usage for work it did before failing. */
export class LlmCallError extends Error {
  constructor(
    readonly kind: LlmErrorKind,
    message: string,
    readonly attempts: number,
    readonly usage?: LlmUsage,
  ) {
    super(message)
    this.name = 'LlmCallError'
  }
}

export interface LlmProvider {
  /** `openai-compatible` or `local`; recorded on every call row. */
  readonly name: string
  complete(request: LlmRequest, signal?: AbortSignal): Promise<LlmResponse>
}

/** Finds the provider a flow's `llm` node names: `local`, or the name of one of the tenant's connections. */
export interface LlmProviderResolver {
  resolve(tenantId: string, provider: string): Promise<LlmProvider | undefined>
}

/** What a call cost and where the figure came from. */
export interface CallCost {
  costMicros: number
  source: 'provider' | 'price_catalog' | 'unpriced'
  /** The catalog entry used (when `source` is `price_catalog`). */
  priceId?: string
}

export interface PriceLookup {
  /** The cost of `usage` on `model` with the price in effect at `atMs` (the provider's own cost wins). */
  costOf(tenantId: string, model: string, atMs: number, usage: LlmUsage): Promise<CallCost>
}
