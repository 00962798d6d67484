/** How numbers read in the admin panel: money with its currency, enough decimals for small USD, multipliers as 3.18x. */

export type MetricFormat =
  | 'count'
  | 'tokens'
  | 'ratio'
  | 'multiplier'
  | 'money_micros'
  | 'duration_ms'
  | 'number'

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 })

/** Money from integer micros: cents for ordinary amounts, more digits while the amount is below a cent. */
export function formatMoney(micros: number, currency: string | undefined): string {
  const amount = micros / 1_000_000
  const abs = Math.abs(amount)
  const digits = abs === 0 || abs >= 1 ? 2 : abs >= 0.01 ? 4 : 6
  const code = currency && /^[A-Z]{3}$/.test(currency) ? currency : undefined
  const number = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: digits })
  return code ? `${number.format(amount)} ${code}` : number.format(amount)
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${integer.format(ms)} ms`
  if (ms < 60_000) return `${decimal.format(ms / 1000)} s`
  if (ms < 3_600_000) return `${decimal.format(ms / 60_000)} min`
  if (ms < 86_400_000) return `${decimal.format(ms / 3_600_000)} h`
  return `${decimal.format(ms / 86_400_000)} d`
}

export function formatValue(
  value: string | number | null | undefined,
  format: MetricFormat | string | undefined,
  currency?: string,
): string {
  if (value === null || value === undefined || value === '') return '—'
  const number = typeof value === 'number' ? value : Number(value)
  if (Number.isNaN(number)) return String(value)
  switch (format) {
    case 'count':
    case 'tokens':
      return integer.format(number)
    case 'ratio':
      return `${decimal.format(number * 100)}%`
    case 'multiplier':
      return `${decimal.format(number)}x`
    case 'money_micros':
      return formatMoney(number, currency)
    case 'duration_ms':
      return formatDuration(number)
    default:
      return Number.isInteger(number) ? integer.format(number) : decimal.format(number)
  }
}

/** The change from `previous` to `current` as "+12.5%" (undefined when there is nothing to compare). */
export function formatChange(current: number, previous: number | undefined): string | undefined {
  if (previous === undefined || !Number.isFinite(previous) || previous === 0) return undefined
  const change = (current - previous) / Math.abs(previous)
  return `${change >= 0 ? '+' : ''}${decimal.format(change * 100)}%`
}

export function formatTime(iso: string | undefined): string {
  if (!iso) return '—'
  const date = new Date(iso)
  return Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' })
}

/** Which metrics are multipliers although the API calls them ratios (the uplift of engaged visitors). */
const MULTIPLIERS = new Set(['engagement_uplift'])
export function displayFormat(name: string, format: string | undefined): string | undefined {
  return MULTIPLIERS.has(name) ? 'multiplier' : format
}
