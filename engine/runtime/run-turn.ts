import type { Flow, FlowNode } from '../flows/flow-schema.ts'
import { appendConversation, replyEntry } from './conversation.ts'
import type { Block, ExecutionState, TraceStep } from './execution.ts'
import type { EngineEvent, NodeContext, NodeOutcome } from './node-outcome.ts'
import { runAsk } from './nodes/run-ask.ts'
import { runCondition } from './nodes/run-condition.ts'
import { runGoal } from './nodes/run-goal.ts'
import { runMessage } from './nodes/run-message.ts'
import { runSet } from './nodes/run-set.ts'
import { runAbort, runEnd, runHandoff } from './nodes/run-terminal.ts'

export interface TurnResult {
  execution: ExecutionState
  blocks: Block[]
  events: EngineEvent[]
}

const MAX_TRACE = 200

/**
 * Runs nodes from `execution.nodeId` until the flow waits (input or time) or ends, and returns the new
 * execution state with the blocks to show. Pure: persisting, scheduling and emitting are the caller's.
 */
export function runTurn(
  flow: Flow,
  execution: ExecutionState,
  options: {
    maxSteps: number
    now: number
    /** Blocks the async step that resumed this turn shows first (an `llm` node's answer). */
    firstBlocks?: readonly Block[]
  },
): TurnResult {
  const nodes = new Map(flow.nodes.map((node) => [node.id, node]))
  const blocks: Block[] = [...(options.firstBlocks ?? [])]
  const events: EngineEvent[] = []
  const trace: TraceStep[] = []
  let variables = execution.variables
  let nodeId = execution.nodeId
  const seq = execution.seq + 1

  const settle = (fields: Partial<ExecutionState>): TurnResult => ({
    execution: {
      ...execution,
      variables,
      nodeId,
      seq,
      lastBlocks: blocks,
      conversation: appendConversation(execution.conversation, replyEntry(blocks)),
      trace: [...execution.trace, ...trace].slice(-MAX_TRACE),
      updatedAt: options.now,
      waitToken: undefined,
      pollAfterMs: undefined,
      ...fields,
    },
    blocks,
    events,
  })

  for (let step = 0; step < options.maxSteps; step += 1) {
    const node = nodes.get(nodeId)
    if (!node)
      return settle({ status: 'failed', error: { code: 'unknown_node', message: `no node "${nodeId}"` } })
    let outcome: NodeOutcome
    try {
      outcome = runNode(node, { variables })
    } catch (error) {
      outcome = {
        kind: 'fail',
        code: 'expression_failed',
        message: `node ${node.id}: ${(error as Error).message}`,
      }
    }
    trace.push({ seq, nodeId: node.id, type: node.type, at: options.now, outcome: outcome.kind })
    if (outcome.kind !== 'wait_time' && outcome.kind !== 'fail') blocks.push(...(outcome.blocks ?? []))

    switch (outcome.kind) {
      case 'next':
        variables = outcome.assign ? { ...variables, ...outcome.assign } : variables
        events.push(...(outcome.events ?? []))
        nodeId = outcome.next
        break
      case 'wait_input':
        return settle({ status: 'waiting_input' })
      case 'wait_time':
        return settle({ status: 'waiting_time', pollAfterMs: 1_000 })
      case 'finish':
        events.push(...(outcome.events ?? []))
        return settle({
          status: outcome.status,
          ...(outcome.status === 'aborted'
            ? { error: { code: 'flow_aborted', message: outcome.reason ?? '' } }
            : {}),
        })
      case 'fail':
        return settle({ status: 'failed', error: { code: outcome.code, message: outcome.message } })
    }
  }
  return settle({
    status: 'failed',
    error: {
      code: 'loop_limit_exceeded',
      message: `more than ${options.maxSteps} steps in one turn without waiting (CHAT_MAX_STEPS_PER_TURN)`,
    },
  })
}

function runNode(node: FlowNode, context: NodeContext): NodeOutcome {
  switch (node.type) {
    case 'message':
      return runMessage(node, context)
    case 'ask':
      return runAsk(node, context)
    case 'condition':
      return runCondition(node, context)
    case 'set':
      return runSet(node, context)
    case 'goal':
      return runGoal(node, context)
    case 'connection':
      return { kind: 'wait_time', work: { kind: 'connection', nodeId: node.id } }
    case 'delay':
      return { kind: 'wait_time', work: { kind: 'delay', nodeId: node.id, seconds: node.seconds } }
    case 'llm':
      return { kind: 'wait_time', work: { kind: 'llm', nodeId: node.id } }
    case 'handoff':
      return runHandoff(node, context)
    case 'end':
      return runEnd(node, context)
    case 'abort':
      return runAbort(node, context)
  }
}
