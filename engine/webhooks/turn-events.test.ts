import { describe, expect, it } from 'vitest'
import type { ExecutionState } from '../runtime/execution.ts'
import { toTokenUsage } from '../runtime/token-usage.ts'
import { turnEvents } from './turn-events.ts'
import { parseWebhookEvent } from './webhook-event-types.ts'

const before: ExecutionState = {
  executionId: 'exec-1',
  tenantId: '3d6f0a8e-1c2b-4e5f-9a7b-8c9d0e1f2a3b',
  chatSessionId: 'session-1',
  widgetKey: 'pk_1',
  anonymousId: 'anon-1',
  flowId: 'flow-1',
  flowVersion: 2,
  intent: 'order_status',
  status: 'running',
  nodeId: 'start',
  variables: { order: null, secret: 'kept' },
  seq: 0,
  lastBlocks: [],
  trace: [],
  createdAt: 1_000,
  updatedAt: 1_000,
}
const usage = { promptTokens: 10, completionTokens: 5, totalTokens: 15, costMicros: 7, models: ['m1', 'm2'] }

describe('turnEvents', () => {
  it("opens an execution with started, then one update carrying the turn's blocks, usage and exports", () => {
    const after: ExecutionState = {
      ...before,
      status: 'waiting_input',
      nodeId: 'ask',
      seq: 1,
      variables: { order: 'A-1', secret: 'kept' },
      turnUsage: usage,
      updatedAt: 2_000,
    }
    const blocks = [{ id: 'hi', type: 'text' as const, markdown: 'Hi' }]
    const events = turnEvents({ before, after, blocks }, ['order'])
    expect(events.map((event) => event.type)).toEqual(['chat.execution.started', 'chat.execution.updated'])
    for (const event of events) expect(parseWebhookEvent(JSON.parse(JSON.stringify(event)))).toEqual(event)
    expect(events[1]?.data).toMatchObject({
      status: 'waiting_input',
      previousStatus: 'running',
      blocks,
      waitingFor: { kind: 'input', nodeId: 'ask' },
      tokenUsage: toTokenUsage(usage),
      variables: { order: 'A-1' },
      turn: 1,
      updatedAt: new Date(2_000).toISOString(),
    })
    // The same change gives the same ids (a retried turn is queued once).
    expect(turnEvents({ before, after, blocks }, ['order']).map((event) => event.id)).toEqual(
      events.map((event) => event.id),
    )
  })

  it('reports a submitted form, handoffs and the end, in order; an update even without a status change', () => {
    const waiting: ExecutionState = { ...before, status: 'waiting_input', nodeId: 'ask', seq: 1 }
    const done: ExecutionState = { ...waiting, status: 'completed', seq: 2, updatedAt: 3_000 }
    const blocks = [{ id: 'agent', type: 'handoff' as const, message: 'A person takes over' }]
    const events = turnEvents(
      { before: waiting, after: done, blocks, form: { nodeId: 'ask', values: { order: 'A-1' } } },
      [],
    )
    expect(events.map((event) => event.type)).toEqual([
      'chat.form.submitted',
      'chat.handoff.requested',
      'chat.execution.updated',
      'chat.execution.completed',
    ])
    expect(events[0]?.data).toMatchObject({ nodeId: 'ask', values: { order: 'A-1' } })
    expect(events[3]?.data).toMatchObject({ status: 'completed', variables: {} })

    const again: ExecutionState = { ...waiting, seq: 2 }
    expect(turnEvents({ before: waiting, after: again, blocks: [] }, []).map((event) => event.type)).toEqual([
      'chat.execution.updated',
    ])
  })

  it('gives a settle (idle expiry) of the same turn other ids than the turn itself', () => {
    const waiting: ExecutionState = { ...before, status: 'waiting_input', seq: 1 }
    const aborted: ExecutionState = {
      ...waiting,
      status: 'aborted',
      error: { code: 'idle_timeout', message: 'no answer' },
    }
    const turn = turnEvents({ before, after: waiting, blocks: [] }, [])
    const settle = turnEvents({ before: waiting, after: aborted, blocks: [] }, [])
    expect(settle.map((event) => event.type)).toEqual(['chat.execution.updated', 'chat.execution.aborted'])
    expect(settle[1]?.data).toMatchObject({ error: { code: 'idle_timeout' } })
    expect(turn.map((event) => event.id)).not.toContain(settle[0]?.id)
  })
})
