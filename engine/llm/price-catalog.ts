import { randomUUID } from 'node:crypto'
import type { Db } from '../../platform/clickhouse/db.ts'
import { SharedCache } from '../../platform/state/shared-cache.ts'
import type { StateStore } from '../../platform/state/state-store.ts'
import type { CallCost, LlmUsage, PriceLookup } from './llm-provider.ts'
import { insertPriceEntry, listPriceEntries } from './price-queries.ts'
import { type CreatePriceInput, createPriceInput, type PriceView } from './price-schemas.ts'
import { costMicros, GLOBAL_TENANT, type PriceEntry, selectPrice } from './select-price.ts'

/**
 * The versioned LLM price catalog. Each process caches the global defaults and each tenant's overrides
 * and drops an entry when any process adds a price (state pub/sub), so a new price applies at once.
 */
export class PriceCatalog implements PriceLookup {
  private readonly entries: SharedCache<PriceEntry[]>

  constructor(
    private readonly db: Db,
    state: StateStore,
  ) {
    this.entries = new SharedCache(state, { channel: 'llm-prices:invalidate', ttlMs: 60_000 })
  }

  async start(): Promise<void> {
    await this.entries.start()
  }

  async stop(): Promise<void> {
    await this.entries.stop()
  }

  async costOf(tenantId: string, model: string, atMs: number, usage: LlmUsage): Promise<CallCost> {
    if (usage.providerCostMicros !== undefined)
      return { costMicros: usage.providerCostMicros, source: 'provider' }
    const price = selectPrice(await this.entriesFor(tenantId), model, atMs)
    if (!price) return { costMicros: 0, source: 'unpriced' }
    return { costMicros: costMicros(price, usage), source: 'price_catalog', priceId: price.priceId }
  }

  /** The tenant's own price versions, then the global defaults. */
  async list(tenantId: string): Promise<PriceView[]> {
    return (await this.entriesFor(tenantId)).map(toView)
  }

  /** Adds a price version for the tenant; earlier versions stay, for calls made while they applied. */
  async add(tenantId: string, input: CreatePriceInput): Promise<PriceView> {
    const parsed = createPriceInput.parse(input)
    const now = Date.now()
    const entry: PriceEntry = {
      priceId: randomUUID(),
      tenantId,
      modelPattern: parsed.modelPattern,
      inputMicrosPerMTok: parsed.inputMicrosPerMTok,
      cachedInputMicrosPerMTok: parsed.cachedInputMicrosPerMTok ?? parsed.inputMicrosPerMTok,
      outputMicrosPerMTok: parsed.outputMicrosPerMTok,
      currency: parsed.currency,
      effectiveFromMs: parsed.effectiveFrom === undefined ? now : Date.parse(parsed.effectiveFrom),
      note: parsed.note,
      createdAtMs: now,
    }
    await insertPriceEntry(this.db, entry)
    await this.entries.invalidate(tenantId)
    return toView(entry)
  }

  private async entriesFor(tenantId: string): Promise<PriceEntry[]> {
    const [own, global] = await Promise.all([this.cached(tenantId), this.cached(GLOBAL_TENANT)])
    return [...own, ...global]
  }

  private cached(tenantId: string): Promise<PriceEntry[]> {
    return this.entries.getOrLoad(tenantId, () => listPriceEntries(this.db, tenantId))
  }
}

const toView = (entry: PriceEntry): PriceView => ({
  priceId: entry.priceId,
  scope: entry.tenantId === GLOBAL_TENANT ? 'global' : 'tenant',
  modelPattern: entry.modelPattern,
  inputMicrosPerMTok: entry.inputMicrosPerMTok,
  cachedInputMicrosPerMTok: entry.cachedInputMicrosPerMTok,
  outputMicrosPerMTok: entry.outputMicrosPerMTok,
  currency: entry.currency,
  effectiveFrom: new Date(entry.effectiveFromMs).toISOString(),
  note: entry.note,
  createdAt: new Date(entry.createdAtMs).toISOString(),
})
