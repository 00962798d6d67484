import { describe, expect, it } from 'vitest'
import { flowNodeSchema } from '../../flows/flow-schema.ts'
import type { NodeOf } from '../node-outcome.ts'
import { llmAnswer, llmFailure, llmRequest } from './run-llm.ts'

const llmNode = (fields: Record<string, unknown> = {}) =>
  flowNodeSchema.parse({
    id: 'answer',
    type: 'llm',
    model: 'gpt-4o-mini',
    prompt: 'Question: {{question}}',
    next: 'more',
    ...fields,
  }) as NodeOf<'llm'>

describe('llm node: the request', () => {
  it('sends the rendered system prompt, the earlier conversation, then the prompt as the last user message', () => {
    const node = llmNode({
      system: 'You help the customers of {{shop}}.',
      temperature: 0.2,
      maxTokens: 200,
      history: 2,
    })
    const request = llmRequest(node, { question: 'Do you ship to Austria?', shop: 'Outdoor' }, [
      { role: 'user', content: 'q0' },
      { role: 'user', content: 'q1' },
      { role: 'assistant', content: 'a1' },
      { role: 'user', content: 'Do you ship to Austria?' },
    ])
    expect(request).toEqual({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You help the customers of Outdoor.' },
        { role: 'user', content: 'q1' },
        { role: 'assistant', content: 'a1' },
        { role: 'user', content: 'Question: Do you ship to Austria?' },
      ],
      temperature: 0.2,
      maxTokens: 200,
      timeoutMs: 20_000,
    })
  })

  it('renders grounding snippets (FAQ text, product data as JSON) and leaves out empty ones', () => {
    const node = llmNode({
      grounding: [
        { title: 'Shipping', text: 'Delivery takes 2-4 days.' },
        { title: 'Product', text: '{{product}}' },
        { title: 'Coupon', text: '{{coupon}}' },
      ],
      history: 0,
    })
    const request = llmRequest(node, { question: 'q', product: { title: 'Hiker', price: 159 } }, undefined)
    expect(request.grounding).toEqual([
      { title: 'Shipping', text: 'Delivery takes 2-4 days.' },
      { title: 'Product', text: '{"title":"Hiker","price":159}' },
    ])
    expect(request.messages).toEqual([{ role: 'user', content: 'Question: q' }])
  })
})

describe('llm node: where the flow goes', () => {
  it('stores the answer and shows it as a text block, unless hidden', () => {
    expect(llmAnswer(llmNode({ variable: 'reply' }), 'Yes, in 4-7 days.', { question: 'q' })).toEqual({
      kind: 'continue',
      nodeId: 'more',
      variables: { question: 'q', reply: 'Yes, in 4-7 days.' },
      blocks: [{ id: 'answer.answer', type: 'text', markdown: 'Yes, in 4-7 days.' }],
    })
    expect(llmAnswer(llmNode({ showAnswer: false }), 'hidden', {}).blocks).toEqual([])
    expect(llmAnswer(llmNode(), '  ', {}).blocks).toEqual([])
  })

  it('takes onError with the message in `error`, or fails with llm_unavailable', () => {
    expect(llmFailure(llmNode({ onError: 'sorry' }), { a: 1 }, 'timed out')).toEqual({
      kind: 'continue',
      nodeId: 'sorry',
      variables: { a: 1, error: { message: 'timed out' } },
    })
    expect(llmFailure(llmNode(), {}, 'HTTP 500')).toEqual({
      kind: 'fail',
      code: 'llm_unavailable',
      message: 'HTTP 500',
    })
  })
})
