import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { flowNodeSchema } from '../../flows/flow-schema.ts'
import {
  LlmCallError,
  type LlmProvider,
  type LlmProviderResolver,
  type LlmRequest,
  type PriceLookup,
} from '../../llm/llm-provider.ts'
import { LOCAL_MODEL, LocalProvider } from '../../llm/local-provider.ts'
import type { ExecutionState } from '../execution.ts'
import type { NodeOf } from '../node-outcome.ts'
import { runLlmStep } from './run-llm-step.ts'

const node = (fields: Record<string, unknown> = {}) =>
  flowNodeSchema.parse({
    id: 'faq',
    type: 'llm',
    provider: 'shop_ai',
    model: 'gpt-4o-mini',
    prompt: '{{question}}',
    grounding: [{ title: 'How long does shipping take?', text: '2-4 days.' }],
    timeoutMs: 1_000,
    variable: 'reply',
    next: 'done',
    ...fields,
  }) as NodeOf<'llm'>

const execution = (fields: Partial<ExecutionState> = {}): ExecutionState => ({
  executionId: 'e1',
  tenantId: 't1',
  chatSessionId: 'c1',
  widgetKey: 'pk_1',
  anonymousId: 'a1',
  flowId: 'f1',
  flowVersion: 1,
  intent: 'faq',
  status: 'waiting_time',
  nodeId: 'faq',
  variables: { question: 'How long does shipping take?' },
  seq: 1,
  lastBlocks: [],
  trace: [],
  createdAt: 0,
  updatedAt: 0,
  ...fields,
})

/** Providers by name; `local` is the real offline responder. */
const resolver = (providers: Record<string, LlmProvider>): LlmProviderResolver => ({
  resolve: async (_tenantId, name) => (name === 'local' ? new LocalProvider() : providers[name]),
})
/** 1 micro per prompt token and 2 per completion token; a provider-reported cost wins. */
const prices: PriceLookup = {
  costOf: async (_tenantId, _model, _atMs, usage) =>
    usage.providerCostMicros !== undefined
      ? { costMicros: usage.providerCostMicros, source: 'provider' }
      : {
          costMicros: usage.promptTokens + 2 * usage.completionTokens,
          source: 'price_catalog',
          priceId: 'p1',
        },
}
const deps = (providers: Record<string, LlmProvider>, lookup: PriceLookup = prices) => ({
  providers: resolver(providers),
  prices: lookup,
  logger: pino({ level: 'silent' }),
})
const answering = (text: string, seen: LlmRequest[] = []): LlmProvider => ({
  name: 'openai-compatible',
  complete: async (request) => {
    seen.push(request)
    return {
      text,
      model: 'gpt-4o-mini-2024-07-18',
      usage: { promptTokens: 100, cachedPromptTokens: 40, completionTokens: 20, totalTokens: 120 },
      latencyMs: 42,
    }
  },
})
const failing = (error: Error): LlmProvider => ({
  name: 'openai-compatible',
  complete: async () => {
    throw error
  },
})

describe('runLlmStep', () => {
  it('answers: stores and shows the text, records one llm.call and counts it toward the turn', async () => {
    const seen: LlmRequest[] = []
    const before = execution({
      turnUsage: { promptTokens: 10, completionTokens: 5, totalTokens: 15, costMicros: 20, models: ['x'] },
    })
    const step = await runLlmStep(node(), before, deps({ shop_ai: answering('2-4 days.', seen) }))
    expect(seen[0]?.messages.at(-1)).toEqual({ role: 'user', content: 'How long does shipping take?' })
    expect(step).toMatchObject({
      kind: 'continue',
      nodeId: 'done',
      variables: { reply: '2-4 days.' },
      blocks: [{ id: 'faq.answer', type: 'text', markdown: '2-4 days.' }],
      turnUsage: {
        promptTokens: 110,
        completionTokens: 25,
        totalTokens: 135,
        costMicros: 20 + 140,
        models: ['x', 'gpt-4o-mini-2024-07-18'],
      },
    })
    if (step.kind !== 'continue') throw new Error('expected continue')
    const [event] = step.events ?? []
    expect(event).toMatchObject({ type: 'llm.call', blockId: 'faq', ts: expect.any(Number) })
    expect(event?.props).toEqual({
      call_id: event?.eventId,
      provider: 'openai-compatible',
      model: 'gpt-4o-mini-2024-07-18',
      prompt_tokens: 100,
      cached_prompt_tokens: 40,
      completion_tokens: 20,
      total_tokens: 120,
      cost_micros: 140,
      cost_source: 'price_catalog',
      price_id: 'p1',
      latency_ms: 42,
      outcome: 'ok',
      error: '',
    })
  })

  it('answers through the real local provider, grounded on the snippets', async () => {
    const step = await runLlmStep(node({ provider: 'local' }), execution(), deps({}))
    expect(step).toMatchObject({
      kind: 'continue',
      variables: { reply: expect.stringContaining('2-4 days.') },
    })
    if (step.kind !== 'continue') throw new Error('expected continue')
    expect(step.events?.[0]?.props).toMatchObject({ provider: 'local', model: LOCAL_MODEL, outcome: 'ok' })
    expect(step.turnUsage?.totalTokens).toBeGreaterThan(0)
  })

  it('a provider error takes onError with the message, and its reported usage is still recorded', async () => {
    const usage = {
      promptTokens: 30,
      cachedPromptTokens: 0,
      completionTokens: 0,
      totalTokens: 30,
      providerCostMicros: 9,
    }
    const error = new LlmCallError('server', 'HTTP 500 from the provider', 3, usage)
    const step = await runLlmStep(node({ onError: 'sorry' }), execution(), deps({ shop_ai: failing(error) }))
    expect(step).toMatchObject({
      kind: 'continue',
      nodeId: 'sorry',
      variables: { error: { message: 'LLM "shop_ai": HTTP 500 from the provider' } },
      turnUsage: { totalTokens: 30, costMicros: 9, models: ['gpt-4o-mini'] },
    })
    if (step.kind !== 'continue') throw new Error('expected continue')
    expect(step.blocks).toBeUndefined()
    expect(step.events?.[0]?.props).toMatchObject({
      model: 'gpt-4o-mini',
      prompt_tokens: 30,
      cost_micros: 9,
      cost_source: 'provider',
      outcome: 'error',
      error: 'HTTP 500 from the provider',
    })
  })

  it('a provider that never answers times out at the node deadline and fails with llm_unavailable', async () => {
    const hanging: LlmProvider = { name: 'openai-compatible', complete: () => new Promise(() => {}) }
    const step = await runLlmStep(node(), execution(), deps({ shop_ai: hanging }))
    expect(step).toMatchObject({
      kind: 'fail',
      code: 'llm_unavailable',
      message: expect.stringContaining('no answer within 1000 ms'),
      turnUsage: { totalTokens: 0, costMicros: 0 },
    })
    if (step.kind !== 'fail') throw new Error('expected fail')
    expect(step.events?.[0]?.props).toMatchObject({ outcome: 'timeout', total_tokens: 0, cost_micros: 0 })
  })

  it('a call whose pricing fails is still recorded, as unpriced', async () => {
    const broken: PriceLookup = {
      costOf: async () => {
        throw new Error('ClickHouse unavailable')
      },
    }
    const step = await runLlmStep(node(), execution(), deps({ shop_ai: answering('ok') }, broken))
    if (step.kind !== 'continue') throw new Error('expected continue')
    expect(step.events?.[0]?.props).toMatchObject({ cost_micros: 0, cost_source: 'unpriced', price_id: '' })
  })

  it('an unknown provider makes no call: nothing is recorded and the error branch runs', async () => {
    const step = await runLlmStep(node({ onError: 'sorry' }), execution(), deps({}))
    expect(step).toEqual({
      kind: 'continue',
      nodeId: 'sorry',
      variables: {
        question: 'How long does shipping take?',
        error: { message: 'LLM provider "shop_ai" does not exist' },
      },
    })
  })
})
