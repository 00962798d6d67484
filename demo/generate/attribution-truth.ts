import type { ChatTouch } from './synthesize-chat.ts'

/** The attribution defaults of DESIGN §6: 7-day lookback, direct up to 30 minutes after a session ends. */
export const LOOKBACK_MS = 7 * 86_400_000
export const DIRECT_AFTER_END_MS = 30 * 60_000

export type OrderAttribution = 'direct' | 'assisted' | 'unattributed'

/**
 * How the attribution API should classify an order of a visitor whose engaged sessions are `touches`:
 * the generator knows every visitor's identity, so this is the ground truth a reader compares with.
 */
export function classifyOrder(ts: number, touches: readonly ChatTouch[]): OrderAttribution {
  const counted = touches.filter((touch) => touch.touchTime <= ts && ts - touch.touchTime <= LOOKBACK_MS)
  if (counted.length === 0) return 'unattributed'
  return counted.some((touch) => ts <= touch.end + DIRECT_AFTER_END_MS) ? 'direct' : 'assisted'
}
