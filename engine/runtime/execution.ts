import type { FormField } from '../flows/flow-schema.ts'
import type { TurnUsage } from './token-usage.ts'

/** One message of the conversation an execution keeps for `llm` nodes (see conversation.ts). */
export interface ConversationEntry {
  role: 'user' | 'assistant'
  content: string
}

export const EXECUTION_STATUSES = [
  'running',
  'waiting_input',
  'waiting_time',
  'completed',
  'failed',
  'aborted',
] as const
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number]
export const FINAL_STATUSES: ReadonlySet<ExecutionStatus> = new Set(['completed', 'failed', 'aborted'])

/** Codes an execution can fail or abort with (documented in engine/CHAT.md). */
export type ExecutionErrorCode =
  | 'loop_limit_exceeded'
  | 'connection_failed'
  | 'expression_failed'
  | 'idle_timeout'
  | 'flow_aborted'
  | 'unknown_node'
  | 'llm_unavailable'

/** What a widget renders. Every block has an id, a type and a typed payload. */
export type Block =
  | { id: string; type: 'text'; markdown: string }
  | { id: string; type: 'image'; url: string; alt: string }
  | { id: string; type: 'product_card'; product: RenderedProduct }
  | { id: string; type: 'carousel'; products: RenderedProduct[] }
  | { id: string; type: 'link_button'; label: string; url: string }
  | { id: string; type: 'buttons'; variable: string; options: Array<{ label: string; value: string }> }
  | { id: string; type: 'form'; fields: FormField[]; submitLabel: string }
  | { id: string; type: 'handoff'; message: string }

export interface RenderedProduct {
  title: string
  description?: string
  price?: string
  imageUrl?: string
  url?: string
}

/** Work a `waiting_time` execution waits for; the worker runs it from the job queue. */
export type AsyncWork =
  | { kind: 'delay'; nodeId: string; seconds: number }
  | { kind: 'connection'; nodeId: string }
  | { kind: 'llm'; nodeId: string }

export interface TraceStep {
  seq: number
  nodeId: string
  type: string
  at: number
  outcome: string
}

export interface ExecutionState {
  executionId: string
  tenantId: string
  chatSessionId: string
  widgetKey: string
  anonymousId: string
  flowId: string
  flowVersion: number
  intent: string
  status: ExecutionStatus
  /** The node waited on, or the next to run. */
  nodeId: string
  variables: Record<string, unknown>
  /** Advances on every turn; a job or a wait token belongs to exactly one seq. */
  seq: number
  /** The current wait token while `waiting_input`. */
  waitToken?: string
  /**
   * What a reply or poll shows: the blocks of the last turn, plus, when turns ran in the worker after async
   * steps, those of the earlier worker turns since the last trigger or resume (so a widget polling every
   * second misses nothing between two back-to-back async nodes, like two LLM answers).
   */
  lastBlocks: Block[]
  /** The last turn ran in the worker: its blocks reach the widget only through polls. */
  continued?: boolean
  pollAfterMs?: number
  error?: { code: ExecutionErrorCode; message: string }
  /** What the visitor said and what the flow showed, latest last; `llm` nodes send part of it along. */
  conversation?: ConversationEntry[]
  /** The LLM calls of the current visitor turn (trigger or resume up to the next wait or end). */
  turnUsage?: TurnUsage
  trace: TraceStep[]
  createdAt: number
  updatedAt: number
}
