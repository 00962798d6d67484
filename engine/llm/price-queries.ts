import type { Db } from '../../platform/clickhouse/db.ts'
import type { PriceEntry } from './select-price.ts'

interface PriceRow {
  price_id: string
  tenant_id: string
  model_pattern: string
  input_micros_per_mtok: string | number
  cached_input_micros_per_mtok: string | number
  output_micros_per_mtok: string | number
  effective_from_ms: string | number
  note: string
  created_at_ms: string | number
}

/** Every price version stored for one tenant (or for the nil UUID: the global defaults). */
export async function listPriceEntries(db: Db, tenantId: string): Promise<PriceEntry[]> {
  const rows = await db.select<PriceRow>(
    `SELECT price_id, tenant_id, model_pattern, input_micros_per_mtok, cached_input_micros_per_mtok,
       output_micros_per_mtok, toUnixTimestamp64Milli(effective_from) AS effective_from_ms, note,
       toUnixTimestamp64Milli(created_at) AS created_at_ms
     FROM ${db.tables.llm_prices} FINAL
     WHERE tenant_id = {tenantId:UUID}
     ORDER BY model_pattern, effective_from, created_at`,
    { tenantId },
  )
  return rows.map((row) => ({
    priceId: row.price_id,
    tenantId: row.tenant_id,
    modelPattern: row.model_pattern,
    inputMicrosPerMTok: Number(row.input_micros_per_mtok),
    cachedInputMicrosPerMTok: Number(row.cached_input_micros_per_mtok),
    outputMicrosPerMTok: Number(row.output_micros_per_mtok),
    currency: 'USD',
    effectiveFromMs: Number(row.effective_from_ms),
    note: row.note,
    createdAtMs: Number(row.created_at_ms),
  }))
}

export async function insertPriceEntry(db: Db, entry: PriceEntry): Promise<void> {
  await db.insert('llm_prices', [
    {
      price_id: entry.priceId,
      tenant_id: entry.tenantId,
      model_pattern: entry.modelPattern,
      input_micros_per_mtok: entry.inputMicrosPerMTok,
      cached_input_micros_per_mtok: entry.cachedInputMicrosPerMTok,
      output_micros_per_mtok: entry.outputMicrosPerMTok,
      currency: entry.currency,
      effective_from: entry.effectiveFromMs,
      note: entry.note,
      created_at: entry.createdAtMs,
    },
  ])
}
