import type { TokenUsage } from '../../ingest/server-event-types.ts'
import type { Block, ExecutionState, ExecutionStatus } from './execution.ts'
import { toTokenUsage } from './token-usage.ts'

/** The reply of every chat call: what the widget renders and how it continues. */
export interface ChatReply {
  executionId: string
  status: ExecutionStatus
  blocks: Block[]
  waitToken?: string
  pollAfterMs?: number
  error?: { code: string; message: string }
  /** Present whenever an LLM ran during the current turn. */
  tokenUsage?: TokenUsage
}

export function toReply(execution: ExecutionState): ChatReply {
  return {
    executionId: execution.executionId,
    status: execution.status,
    blocks: execution.lastBlocks,
    ...(execution.waitToken ? { waitToken: execution.waitToken } : {}),
    ...(execution.pollAfterMs ? { pollAfterMs: execution.pollAfterMs } : {}),
    ...(execution.error ? { error: execution.error } : {}),
    ...(execution.turnUsage ? { tokenUsage: toTokenUsage(execution.turnUsage) } : {}),
  }
}
