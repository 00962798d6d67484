import { AppError } from '../../platform/errors/catalog.ts'
import type { StateStore } from '../../platform/state/state-store.ts'
import type { MonthlyQuota } from '../widget-settings/widget-settings-schema.ts'

export type QuotaMetric = keyof MonthlyQuota

const MONTH_TTL_MS = 40 * 86_400_000

/** `2026-12`: the UTC calendar month quotas are counted in. */
export const monthOf = (now: number): string => new Date(now).toISOString().slice(0, 7)

/** Epoch ms of the next UTC month's start. */
const nextMonthStart = (now: number): number => {
  const date = new Date(now)
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1)
}

/**
 * A widget key's monthly quota of session opens and form mounts, counted on the state port (shared by
 * every process). The metering of record is the event pipeline (`GET /v1/analytics/usage`); these
 * counters only decide, on the hot path, whether the next one is admitted. Refused calls do not count.
 */
export class UsageQuota {
  constructor(
    private readonly state: StateStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one `metric` for the key; past the key's quota, `429 usage_quota_exceeded` and nothing counted. */
  async admit(publicKey: string, metric: QuotaMetric, quota: MonthlyQuota | undefined): Promise<void> {
    const now = this.now()
    const key = counterKey(publicKey, metric, monthOf(now))
    const used = await this.state.increment(key, 1, { ttlMs: MONTH_TTL_MS })
    const limit = quota?.[metric]
    if (limit === undefined || used <= limit) return
    await this.state.increment(key, -1, { ttlMs: MONTH_TTL_MS })
    const retryAfter = Math.max(1, Math.ceil((nextMonthStart(now) - now) / 1000))
    throw new AppError(
      'usage_quota_exceeded',
      `the widget key's monthly quota of ${limit} ${metric} is used up until the next UTC month`,
      { metric, limit, month: monthOf(now) },
      { 'retry-after': String(retryAfter) },
    )
  }

  /** What was admitted this month, per metric. */
  async used(publicKey: string): Promise<Record<QuotaMetric, number>> {
    const month = monthOf(this.now())
    const read = async (metric: QuotaMetric) =>
      Number((await this.state.get(counterKey(publicKey, metric, month))) ?? 0)
    return { sessions: await read('sessions'), mounts: await read('mounts') }
  }
}

const counterKey = (publicKey: string, metric: QuotaMetric, month: string) =>
  `usage-quota:${publicKey}:${metric}:${month}`
