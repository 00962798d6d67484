import type { TokenUsage } from '../../ingest/server-event-types.ts'

/** The LLM calls of one visitor turn, summed; kept on the execution until the next turn starts. */
export interface TurnUsage {
  promptTokens: number
  completionTokens: number
  totalTokens: number
  costMicros: number
  /** Distinct models, in the order the turn's calls first used them. */
  models: string[]
}

/** One recorded call, as it counts toward the turn (the same figures as its `llm.call` event). */
export interface CallUsage {
  model: string
  promptTokens: number
  completionTokens: number
  totalTokens: number
  costMicros: number
}

export function addCall(turn: TurnUsage | undefined, call: CallUsage): TurnUsage {
  const models = turn?.models ?? []
  return {
    promptTokens: (turn?.promptTokens ?? 0) + call.promptTokens,
    completionTokens: (turn?.completionTokens ?? 0) + call.completionTokens,
    totalTokens: (turn?.totalTokens ?? 0) + call.totalTokens,
    costMicros: (turn?.costMicros ?? 0) + call.costMicros,
    models: models.includes(call.model) ? models : [...models, call.model],
  }
}

export function toTokenUsage(turn: TurnUsage): TokenUsage {
  return {
    prompt_tokens: turn.promptTokens,
    completion_tokens: turn.completionTokens,
    total_tokens: turn.totalTokens,
    model: turn.models.join(','),
    cost_micros: turn.costMicros,
    cost_usd: turn.costMicros / 1e6,
  }
}
