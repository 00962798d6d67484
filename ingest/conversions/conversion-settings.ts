import { z } from 'zod'
import { controlTable, type VersionedRow } from '../../platform/clickhouse/control-table.ts'
import type { Db } from '../../platform/clickhouse/db.ts'
import { toMicros } from '../enrich-event.ts'

/**
 * How a tenant's widget `purchase` beacons count. Anyone holding the public widget key can send one, of any
 * value, so by default (`unverified`) a beacon is a signal only: its order counts when the backend reports it.
 * `counted` counts a beacon whose order the backend did not report, up to an optional value cap. The
 * `conversions` view (migration 0016) applies the setting, so every reader of conversions follows it.
 */
export const PURCHASE_BEACON_POLICIES = ['unverified', 'counted'] as const
export type PurchaseBeaconPolicy = (typeof PURCHASE_BEACON_POLICIES)[number]

// The same bound as a conversion's value, so the cap in micros is exact.
const MAX_CAP = 1e9

export const conversionSettingsInput = z.strictObject({
  purchaseBeacons: z
    .enum(PURCHASE_BEACON_POLICIES)
    .describe(
      '`unverified` (default): purchase beacons never count, only backend conversions do; `counted`: a beacon whose order the backend did not report counts as a conversion',
    ),
  purchaseBeaconMaxValue: z
    .number()
    .positive('expected a positive amount')
    .max(MAX_CAP, `expected at most ${MAX_CAP}`)
    .nullable()
    .default(null)
    .describe(
      'With `counted`: a beacon counts only when its absolute value is at most this (in its currency units); null = no cap',
    ),
})
export type ConversionSettingsInput = z.input<typeof conversionSettingsInput>

export const conversionSettingsView = z.object({
  purchaseBeacons: z.enum(PURCHASE_BEACON_POLICIES),
  purchaseBeaconMaxValue: z.number().nullable(),
  updatedAt: z.string().nullable().describe('null while the tenant has the defaults'),
})
export type ConversionSettings = z.output<typeof conversionSettingsView>

interface SettingsRow extends VersionedRow {
  tenant_id: string
  purchase_beacons: string
  purchase_beacon_max_micros: number | string
}

const settingsTable = controlTable<SettingsRow>({
  table: 'conversion_settings',
  columns: ['tenant_id', 'purchase_beacons', 'purchase_beacon_max_micros'],
  deletable: false,
})

const DEFAULTS: ConversionSettings = {
  purchaseBeacons: 'unverified',
  purchaseBeaconMaxValue: null,
  updatedAt: null,
}

/** A tenant's conversion settings: versioned rows of the `conversion_settings` control table. */
export class ConversionSettingsService {
  constructor(private readonly db: Db) {}

  async get(tenantId: string): Promise<ConversionSettings> {
    const row = await this.find(tenantId)
    return row ? toView(row) : DEFAULTS
  }

  async set(tenantId: string, input: ConversionSettingsInput): Promise<ConversionSettings> {
    const settings = conversionSettingsInput.parse(input)
    const capMicros = settings.purchaseBeaconMaxValue === null ? 0 : toMicros(settings.purchaseBeaconMaxValue)
    const row = await settingsTable.write(
      this.db,
      {
        tenant_id: tenantId,
        purchase_beacons: settings.purchaseBeacons,
        purchase_beacon_max_micros: capMicros,
      },
      await this.find(tenantId),
      Date.now(),
    )
    return toView(row)
  }

  private find(tenantId: string): Promise<SettingsRow | undefined> {
    return settingsTable.selectOne(this.db, 'tenant_id = {tenantId:UUID}', { tenantId })
  }
}

function toView(row: SettingsRow): ConversionSettings {
  const cap = Number(row.purchase_beacon_max_micros)
  return {
    purchaseBeacons: row.purchase_beacons === 'counted' ? 'counted' : 'unverified',
    purchaseBeaconMaxValue: cap === 0 ? null : cap / 1e6,
    updatedAt: new Date(row.updated_at).toISOString(),
  }
}
