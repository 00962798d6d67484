import type { Block, ExecutionState } from './execution.ts'

/** One change of an execution as the TurnRunner makes it: a turn, or a settle (idle expiry, failed step). */
export interface TurnChange {
  before: ExecutionState
  after: ExecutionState
  /** The blocks this change showed (none for a settle). */
  blocks: readonly Block[]
  /** The form the visitor submitted to start this turn, values by field name. */
  form?: { nodeId: string; values: Record<string, unknown> }
}

/**
 * Told of every change before it is saved (webhooks queue their deliveries here). Throwing fails the turn,
 * as a failed save would: the client retries, and the retried turn reports the same change again.
 */
export interface TurnObserver {
  observe(change: TurnChange): Promise<void>
}
