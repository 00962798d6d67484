import { z } from 'zod'
import type { EventPublisher } from '../../ingest/event-publisher.ts'
import { serverEventRow } from '../../ingest/server-event.ts'
import type { Db } from '../../platform/clickhouse/db.ts'
import { nameBasedId } from '../../platform/ids.ts'
import type { PriceLookup } from './llm-provider.ts'
import {
  type BackfillCursor,
  type BackfillRange,
  type RecordedCall,
  readCallPage,
  readCallTotals,
} from './recorded-calls.ts'

export interface BackfillPageResult {
  /** Calls read in this page. */
  scanned: number
  /** Calls whose cost changed: one `llm.cost_adjusted` event each. */
  adjusted: number
  /** Sum of the published deltas, in USD micros. */
  deltaMicros: number
  /** Absent after the last page. */
  next?: BackfillCursor
}

export interface BackfillDeps {
  db: Db
  prices: PriceLookup
  publisher: EventPublisher
}

/**
 * Re-prices one page of `llm.call`s with today's catalog. A call whose current total (its call row
 * plus earlier adjustments) differs from the recomputed cost gets one `llm.cost_adjusted` event carrying
 * the difference, at the call's own `ts`; calls the provider priced keep the provider's figure.
 */
export async function backfillCostsPage(
  deps: BackfillDeps,
  range: BackfillRange,
  after: BackfillCursor | undefined,
  limit: number,
): Promise<BackfillPageResult> {
  const calls = await readCallPage(deps.db, range, after, limit)
  const totals = await readCallTotals(deps.db, range, calls)
  const adjustments = []
  let deltaMicros = 0
  for (const call of calls) {
    if (call.props.cost_source === 'provider') continue
    const current = totals.get(call.callId) ?? { costMicros: call.props.cost_micros, adjustments: 0 }
    const usage = {
      promptTokens: call.props.prompt_tokens,
      cachedPromptTokens: call.props.cached_prompt_tokens,
      completionTokens: call.props.completion_tokens,
      totalTokens: call.props.total_tokens,
    }
    const repriced = await deps.prices.costOf(call.tenantId, call.props.model, call.tsMs, usage)
    const delta = repriced.costMicros - current.costMicros
    if (delta === 0) continue
    deltaMicros += delta
    adjustments.push(
      adjustmentRow(
        call,
        delta,
        repriced.source,
        repriced.priceId ?? '',
        adjustmentId(call, current, repriced.costMicros),
      ),
    )
  }
  await deps.publisher.publish(adjustments)
  const last = calls.at(-1)
  return {
    scanned: calls.length,
    adjusted: adjustments.length,
    deltaMicros,
    ...(last && calls.length === limit
      ? { next: { tenantId: last.tenantId, tsMs: last.tsMs, callId: last.callId } }
      : {}),
  }
}

/**
 * Deterministic, so a re-run (or two backfills racing) publishes the same id and the sink keeps one.
 * It names the new total and how many adjustments the call already had: a price that returns to an
 * earlier value later still gets a fresh event.
 */
function adjustmentId(call: RecordedCall, current: { adjustments: number }, newTotal: number): string {
  return nameBasedId('llm.cost_adjusted', call.tenantId, call.callId, current.adjustments, newTotal)
}

function adjustmentRow(
  call: RecordedCall,
  deltaMicros: number,
  costSource: string,
  priceId: string,
  eventId: string,
) {
  return serverEventRow(
    {
      ...call.envelope,
      tenant_id: call.tenantId,
      type: 'llm.cost_adjusted',
      event_id: eventId,
      ts: call.tsMs,
      props: {
        call_id: call.callId,
        provider: call.props.provider,
        model: call.props.model,
        prompt_tokens: 0,
        cached_prompt_tokens: 0,
        completion_tokens: 0,
        total_tokens: 0,
        cost_micros: deltaMicros,
        cost_source: costSource,
        price_id: priceId,
        latency_ms: 0,
        outcome: 'adjustment',
        error: '',
      },
    },
    'backend',
  )
}

export const backfillCursor = z.object({
  tenantId: z.guid(),
  tsMs: z.number().int().nonnegative(),
  callId: z.guid(),
})
