import { AppError } from '../../platform/errors/catalog.ts'
import type { CostBackfillOperator, CostBackfillRequest } from './cost-backfill-operator.ts'

export interface CostBackfillSummary {
  from: string
  to: string
  tenant: string | undefined
  /** Calls in the period when the backfill started. */
  total: number
  scanned: number
  adjusted: number
  deltaMicros: number
}

const DAY = /^\d{4}-\d{2}-\d{2}$/
const DAY_MS = 86_400_000

/**
 * The CLI's period: a bare date `--from` starts at that day's midnight UTC and a bare date `--to`
 * includes the whole day; ISO timestamps are taken as they are (`to` exclusive).
 */
export function backfillPeriod(from: string, to: string): { from: string; to: string } {
  const start = DAY.test(from) ? Date.parse(`${from}T00:00:00Z`) : Date.parse(from)
  const end = DAY.test(to) ? Date.parse(`${to}T00:00:00Z`) + DAY_MS : Date.parse(to)
  if (Number.isNaN(start)) throw new AppError('validation_failed', `--from: "${from}" is not a date`)
  if (Number.isNaN(end)) throw new AppError('validation_failed', `--to: "${to}" is not a date`)
  if (end <= start) throw new AppError('validation_failed', '--to must not be before --from')
  return { from: new Date(start).toISOString(), to: new Date(end).toISOString() }
}

/** Runs the backfill page by page, reporting calls handled so far after each page. */
export async function runCostBackfill(
  operator: CostBackfillOperator,
  request: Omit<CostBackfillRequest, 'after'>,
  onProgress: (summary: CostBackfillSummary) => void,
): Promise<CostBackfillSummary> {
  const summary: CostBackfillSummary = {
    from: request.from,
    to: request.to,
    tenant: request.tenant,
    total: 0,
    scanned: 0,
    adjusted: 0,
    deltaMicros: 0,
  }
  let after: CostBackfillRequest['after']
  do {
    const page = await operator.backfillCosts({ ...request, ...(after ? { after } : {}) })
    if (page.total !== undefined) summary.total = page.total
    summary.scanned += page.scanned
    summary.adjusted += page.adjusted
    summary.deltaMicros += page.deltaMicros
    // Calls recorded while the backfill runs can push the count past the first page's total.
    summary.total = Math.max(summary.total, summary.scanned)
    onProgress(summary)
    after = page.next
  } while (after)
  return summary
}
