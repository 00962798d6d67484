import { describe, expect, it } from 'vitest'
import type { FlowInput } from './flow-schema.ts'
import { type FlowProblem, nodeTemplates, validateFlow } from './validate-flow.ts'

type NodeInput = FlowInput['nodes'][number]

/** Ask a question, answer it with an llm node, end; `fallback` is the error branch. */
function faqFlow(llm: Partial<NodeInput> = {}, extra: NodeInput[] = []): FlowInput {
  return {
    intent: 'faq',
    name: 'FAQ',
    variables: { product: null },
    start: 'ask',
    nodes: [
      {
        id: 'ask',
        type: 'ask',
        input: { kind: 'form', fields: [{ name: 'question', label: 'Question', type: 'text' }] },
        next: 'answer',
      },
      {
        id: 'answer',
        type: 'llm',
        model: 'gpt-4o-mini',
        system: 'You answer for {{context.shop}}.',
        prompt: '{{question}}',
        grounding: [
          { title: 'Shipping', text: '2-4 days' },
          { title: 'Product', text: '{{product}}' },
        ],
        variable: 'reply',
        next: 'done',
        onError: 'fallback',
        ...llm,
      } as NodeInput,
      { id: 'done', type: 'end', message: 'You asked: {{question}}; we said: {{reply}}' },
      { id: 'fallback', type: 'handoff', message: 'A colleague will answer.' },
      ...extra,
    ],
  }
}

function problemsOf(input: unknown, connections?: readonly string[]): FlowProblem[] {
  const result = validateFlow(input, connections ? { connections } : {})
  return result.ok ? [] : result.problems
}

describe('validateFlow: llm nodes', () => {
  it('accepts an llm node, applies its defaults and counts its variable as assigned', () => {
    const result = validateFlow(faqFlow(), { connections: [] })
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.flow.nodes[1]).toMatchObject({
      provider: 'local',
      history: 6,
      timeoutMs: 20_000,
      showAnswer: true,
    })
  })

  it('a provider other than local must be one of the tenant connections', () => {
    const input = faqFlow({ provider: 'openai' })
    expect(problemsOf(input, ['openai'])).toEqual([])
    expect(problemsOf(input, ['shop'])).toEqual([
      {
        code: 'unknown_connection',
        nodeId: 'answer',
        path: 'nodes.1.provider',
        message: 'unknown LLM provider "openai": use "local" or a connection name (configured: shop)',
      },
    ])
  })

  it('checks templates in the system prompt, prompt and grounding, and the error branch target', () => {
    const input = faqFlow({
      prompt: '{{ question + 1 }}',
      grounding: [{ title: 'Product', text: '{{produkt}}' }],
      onError: 'nowhere',
    })
    expect(problemsOf(input).map((p) => [p.code, p.path])).toEqual([
      ['missing_target', 'nodes.1.onError'],
      ['invalid_template', 'nodes.1.prompt'],
      ['unknown_variable', 'nodes.1.grounding.0.text'],
      ['unreachable_node', 'nodes.3'],
    ])
  })

  it('refuses out-of-range settings through the schema', () => {
    const input = faqFlow({ temperature: 3, timeoutMs: 120_000, history: 50 })
    expect(problemsOf(input).map((p) => [p.code, p.path])).toEqual([
      ['schema', 'nodes.1.history'],
      ['schema', 'nodes.1.temperature'],
      ['schema', 'nodes.1.timeoutMs'],
    ])
  })

  it('an llm node pauses the turn, so a loop through it is not a cycle without wait', () => {
    const input = faqFlow({ next: 'again', onError: undefined }, [
      { id: 'again', type: 'condition', branches: [{ when: 'reply == ""', next: 'answer' }], else: 'done' },
    ])
    input.nodes.splice(3, 1)
    expect(problemsOf(input)).toEqual([])
  })

  it('lists the rendered text fields of an llm node', () => {
    const result = validateFlow(faqFlow())
    if (!result.ok) throw new Error('flow must be valid')
    expect(
      nodeTemplates(result.flow.nodes[1] as NonNullable<(typeof result.flow.nodes)[1]>).map((t) => t.field),
    ).toEqual([
      'system',
      'prompt',
      'grounding.0.title',
      'grounding.0.text',
      'grounding.1.title',
      'grounding.1.text',
    ])
  })
})
