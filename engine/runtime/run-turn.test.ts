import { describe, expect, it } from 'vitest'
import { flowSchema } from '../flows/flow-schema.ts'
import type { ExecutionState } from './execution.ts'
import { runTurn } from './run-turn.ts'

const flow = flowSchema.parse({
  intent: 'faq',
  name: 'FAQ',
  start: 'hello',
  nodes: [
    { id: 'hello', type: 'message', blocks: [{ kind: 'text', markdown: 'Let me look.' }], next: 'answer' },
    { id: 'answer', type: 'llm', model: 'gpt-4o-mini', prompt: '{{context.text}}', next: 'bye' },
    { id: 'bye', type: 'end', message: 'Anything else?' },
  ],
})

const execution = (fields: Partial<ExecutionState>): ExecutionState => ({
  executionId: 'e1',
  tenantId: 't1',
  chatSessionId: 'c1',
  widgetKey: 'pk_1',
  anonymousId: 'a1',
  flowId: 'f1',
  flowVersion: 1,
  intent: 'faq',
  status: 'running',
  nodeId: 'hello',
  variables: { context: { text: 'Do you ship to Austria?' } },
  seq: 0,
  lastBlocks: [],
  conversation: [{ role: 'user', content: 'Do you ship to Austria?' }],
  trace: [],
  createdAt: 0,
  updatedAt: 0,
  ...fields,
})

describe('runTurn with an llm node', () => {
  it('pauses at the llm node (waiting_time) and remembers what the turn showed', () => {
    const turn = runTurn(flow, execution({}), { maxSteps: 10, now: 1 })
    expect(turn.execution).toMatchObject({ status: 'waiting_time', nodeId: 'answer', pollAfterMs: 1_000 })
    expect(turn.execution.conversation).toEqual([
      { role: 'user', content: 'Do you ship to Austria?' },
      { role: 'assistant', content: 'Let me look.' },
    ])
  })

  it('after the call, shows the answer first, then the blocks of the nodes that follow', () => {
    const resumed = execution({ status: 'waiting_time', nodeId: 'bye', seq: 1 })
    const answer = { id: 'answer.answer', type: 'text' as const, markdown: 'Yes, in 4-7 days.' }
    const turn = runTurn(flow, resumed, { maxSteps: 10, now: 2, firstBlocks: [answer] })
    expect(turn.execution.status).toBe('completed')
    expect(turn.blocks.map((block) => block.id)).toEqual(['answer.answer', 'bye'])
    expect(turn.execution.conversation?.at(-1)).toEqual({
      role: 'assistant',
      content: 'Yes, in 4-7 days.\n\nAnything else?',
    })
  })
})
