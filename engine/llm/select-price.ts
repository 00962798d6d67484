import type { LlmUsage } from './llm-provider.ts'

/** The nil UUID marks the global defaults; any other tenant_id is that tenant's override. */
export const GLOBAL_TENANT = '00000000-0000-0000-0000-000000000000'

/** One version of a model pattern's price, per million tokens in USD micros. */
export interface PriceEntry {
  priceId: string
  tenantId: string
  /** An exact model name, or a prefix glob ending in `*`. */
  modelPattern: string
  inputMicrosPerMTok: number
  cachedInputMicrosPerMTok: number
  outputMicrosPerMTok: number
  currency: 'USD'
  effectiveFromMs: number
  note: string
  createdAtMs: number
}

export function matchesModel(pattern: string, model: string): boolean {
  return pattern.endsWith('*') ? model.startsWith(pattern.slice(0, -1)) : model === pattern
}

/** An exact name beats any glob; a longer glob prefix beats a shorter one. */
const specificity = (pattern: string): number =>
  pattern.endsWith('*') ? pattern.length - 1 : Number.MAX_SAFE_INTEGER

/**
 * The price in effect for `model` at `atMs`: among entries already in effect whose pattern matches,
 * a tenant's own entries beat the global ones, then the most specific pattern wins, then the latest
 * `effective_from` (ties: the latest created).
 */
export function selectPrice(
  entries: readonly PriceEntry[],
  model: string,
  atMs: number,
): PriceEntry | undefined {
  let best: PriceEntry | undefined
  for (const entry of entries) {
    if (entry.effectiveFromMs > atMs || !matchesModel(entry.modelPattern, model)) continue
    if (best === undefined || outranks(entry, best)) best = entry
  }
  return best
}

function outranks(a: PriceEntry, b: PriceEntry): boolean {
  const aTenant = a.tenantId !== GLOBAL_TENANT
  const bTenant = b.tenantId !== GLOBAL_TENANT
  if (aTenant !== bTenant) return aTenant
  const bySpecificity = specificity(a.modelPattern) - specificity(b.modelPattern)
  if (bySpecificity !== 0) return bySpecificity > 0
  if (a.effectiveFromMs !== b.effectiveFromMs) return a.effectiveFromMs > b.effectiveFromMs
  return a.createdAtMs > b.createdAtMs
}

const PER_MILLION = 1_000_000n

/**
 * The cost of `usage` at `price`, in integer USD micros: cached prompt tokens at the cached input price,
 * the rest of the prompt at the input price, completion tokens at the output price. The exact sum
 * (token x micros per million tokens) is divided by one million and rounded once, half up.
 */
export function costMicros(price: PriceEntry, usage: LlmUsage): number {
  const cached = BigInt(Math.min(usage.cachedPromptTokens, usage.promptTokens))
  const uncached = BigInt(usage.promptTokens) - cached
  const scaled =
    cached * BigInt(price.cachedInputMicrosPerMTok) +
    uncached * BigInt(price.inputMicrosPerMTok) +
    BigInt(usage.completionTokens) * BigInt(price.outputMicrosPerMTok)
  return Number((scaled + PER_MILLION / 2n) / PER_MILLION)
}
