import { describe, expect, it } from 'vitest'
import { addCall, toTokenUsage } from './token-usage.ts'

const call = (model: string, promptTokens: number, completionTokens: number, costMicros: number) => ({
  model,
  promptTokens,
  completionTokens,
  totalTokens: promptTokens + completionTokens,
  costMicros,
})

describe('token usage of a turn', () => {
  it('is one call as it was recorded', () => {
    expect(toTokenUsage(addCall(undefined, call('gpt-4o-mini', 120, 30, 36)))).toEqual({
      prompt_tokens: 120,
      completion_tokens: 30,
      total_tokens: 150,
      model: 'gpt-4o-mini',
      cost_micros: 36,
      cost_usd: 0.000036,
    })
  })

  it('sums several calls and names each model once, in first-use order', () => {
    let turn = addCall(undefined, call('gpt-4o-mini', 100, 20, 27))
    turn = addCall(turn, call('comerix-local-faq', 50, 10, 0))
    turn = addCall(turn, call('gpt-4o-mini', 200, 40, 54))
    expect(toTokenUsage(turn)).toEqual({
      prompt_tokens: 350,
      completion_tokens: 70,
      total_tokens: 420,
      model: 'gpt-4o-mini,comerix-local-faq',
      cost_micros: 81,
      cost_usd: 0.000081,
    })
  })

  it('keeps a failed call that reported nothing as zero tokens, not as a missing figure', () => {
    const turn = addCall(addCall(undefined, call('gpt-4o', 10, 5, 75)), call('gpt-4o', 0, 0, 0))
    expect(toTokenUsage(turn)).toMatchObject({ total_tokens: 15, cost_micros: 75, model: 'gpt-4o' })
  })
})
