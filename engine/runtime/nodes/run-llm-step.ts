import { newId } from '../../../platform/ids.ts'
import type { Logger } from '../../../platform/log/logger.ts'
import {
  type CallCost,
  LlmCallError,
  type LlmProvider,
  type LlmProviderResolver,
  type LlmRequest,
  type LlmResponse,
  type LlmUsage,
  type PriceLookup,
} from '../../llm/llm-provider.ts'
import type { ExecutionState } from '../execution.ts'
import type { AsyncStepResult, EngineEvent, NodeOf } from '../node-outcome.ts'
import { addCall } from '../token-usage.ts'
import { llmAnswer, llmFailure, llmRequest } from './run-llm.ts'

export interface LlmStepDeps {
  providers: LlmProviderResolver
  prices: PriceLookup
  logger: Logger
}

const NO_USAGE: LlmUsage = { promptTokens: 0, cachedPromptTokens: 0, completionTokens: 0, totalTokens: 0 }

type CallOutcome =
  | { outcome: 'ok'; response: LlmResponse }
  | { outcome: 'timeout' | 'error'; error: string; usage: LlmUsage; latencyMs: number }

/**
 * Runs an `llm` node's call in the worker. Every call, answered or failed, becomes one `llm.call` event
 * (engine/CHAT.md) and counts toward the turn's token usage with exactly that event's figures, so a
 * reply's `tokenUsage` always equals the sum of the turn's recorded calls. The provider retries inside
 * the node's deadline; the step itself never retries, so a call is not paid for twice.
 */
export async function runLlmStep(
  node: NodeOf<'llm'>,
  execution: ExecutionState,
  deps: LlmStepDeps,
): Promise<AsyncStepResult> {
  const { variables } = execution
  const provider = await deps.providers.resolve(execution.tenantId, node.provider)
  if (!provider) return llmFailure(node, variables, `LLM provider "${node.provider}" does not exist`)

  const callId = newId()
  const request = llmRequest(node, variables, execution.conversation)
  const call = await complete(provider, request)
  const endedAt = Date.now()
  const usage = call.outcome === 'ok' ? call.response.usage : call.usage
  const model = call.outcome === 'ok' ? call.response.model : node.model
  const cost = await costOf(deps, execution.tenantId, model, endedAt, usage)
  const event: EngineEvent = {
    type: 'llm.call',
    eventId: callId,
    ts: endedAt,
    blockId: node.id,
    props: {
      call_id: callId,
      provider: provider.name,
      model,
      prompt_tokens: usage.promptTokens,
      cached_prompt_tokens: usage.cachedPromptTokens,
      completion_tokens: usage.completionTokens,
      total_tokens: usage.totalTokens,
      cost_micros: cost.costMicros,
      cost_source: cost.source,
      price_id: cost.priceId ?? '',
      latency_ms: call.outcome === 'ok' ? call.response.latencyMs : call.latencyMs,
      outcome: call.outcome,
      error: call.outcome === 'ok' ? '' : call.error,
    },
  }
  const turnUsage = addCall(execution.turnUsage, {
    model,
    promptTokens: usage.promptTokens,
    completionTokens: usage.completionTokens,
    totalTokens: usage.totalTokens,
    costMicros: cost.costMicros,
  })
  const next =
    call.outcome === 'ok'
      ? llmAnswer(node, call.response.text, variables)
      : llmFailure(node, variables, `LLM "${node.provider}": ${call.error}`)
  return { ...next, events: [event], turnUsage }
}

/**
 * Calls the provider under the node's deadline. Providers honour `timeoutMs` themselves; the abort is the
 * backstop that keeps one that does not from holding the worker.
 */
async function complete(provider: LlmProvider, request: LlmRequest): Promise<CallOutcome> {
  const started = Date.now()
  const deadline = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      deadline.abort()
      reject(new LlmCallError('timeout', `no answer within ${request.timeoutMs} ms`, 1))
    }, request.timeoutMs)
  })
  try {
    return {
      outcome: 'ok',
      response: await Promise.race([provider.complete(request, deadline.signal), expired]),
    }
  } catch (error) {
    const timedOut = deadline.signal.aborted || (error instanceof LlmCallError && error.kind === 'timeout')
    return {
      outcome: timedOut ? 'timeout' : 'error',
      error: error instanceof Error ? error.message : String(error),
      usage: (error instanceof LlmCallError && error.usage) || NO_USAGE,
      latencyMs: Date.now() - started,
    }
  } finally {
    clearTimeout(timer)
  }
}

/** A call that happened is recorded even when pricing fails; it stays `unpriced` until a backfill. */
async function costOf(
  deps: LlmStepDeps,
  tenantId: string,
  model: string,
  atMs: number,
  usage: LlmUsage,
): Promise<CallCost> {
  try {
    return await deps.prices.costOf(tenantId, model, atMs, usage)
  } catch (error) {
    deps.logger.warn({ err: error, model }, 'LLM call not priced; recorded as unpriced')
    return { costMicros: 0, source: 'unpriced' }
  }
}
