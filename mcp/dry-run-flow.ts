import type { Flow } from '../engine/flows/flow-schema.ts'
import type { Block, ExecutionState } from '../engine/runtime/execution.ts'
import { runTurn } from '../engine/runtime/run-turn.ts'
import { validateAnswer } from '../engine/runtime/validate-answer.ts'

export interface DryRunInput {
  /** The visitor's first message, as `context.text`. */
  text?: string
  context?: Record<string, unknown>
  /** Answers to the flow's `ask` nodes, in the order they ask: `{ <variable or field>: value }`. */
  answers: Record<string, unknown>[]
  maxStepsPerTurn: number
  now: number
}

export interface DryRunTurn {
  status: string
  blocks: Block[]
  /** Engine events the turn would record (chat.goal.reached, chat.handoff.requested, ...). */
  events: string[]
  /** The node the turn stopped at: the ask waiting for input, the async step, or the last node run. */
  nodeId: string
}

export interface DryRunResult {
  /** completed | failed | aborted, or where the dry run had to stop: waiting_input | async_step | invalid_answer. */
  outcome: string
  turns: DryRunTurn[]
  variables: Record<string, unknown>
  note?: string
  error?: { code: string; message: string }
  answerErrors?: { field: string; message: string }[]
}

const MAX_TURNS = 50

/**
 * Drives a flow the way the chat runtime does, with no side effects: the same interpreter (runTurn) and
 * the same answer validation (validateAnswer) as ExecutionService, on a throwaway execution that is never
 * saved. Nothing is recorded (no chat events reach analytics), delays are skipped, and the run stops at a
 * connection or LLM step, which would call out of the process.
 */
export function dryRunFlow(flow: Flow, input: DryRunInput): DryRunResult {
  const nodes = new Map(flow.nodes.map((node) => [node.id, node]))
  const answers = [...input.answers]
  let execution: ExecutionState = {
    executionId: 'dry-run',
    tenantId: 'dry-run',
    chatSessionId: 'dry-run',
    widgetKey: '',
    anonymousId: '',
    flowId: 'dry-run',
    flowVersion: 0,
    intent: flow.intent,
    status: 'running',
    nodeId: flow.start,
    variables: { ...flow.variables, context: { ...input.context, text: input.text ?? null } },
    seq: 0,
    lastBlocks: [],
    conversation: [],
    trace: [],
    createdAt: input.now,
    updatedAt: input.now,
  }
  const turns: DryRunTurn[] = []
  const finish = (outcome: string, extra: Partial<DryRunResult> = {}): DryRunResult => ({
    outcome,
    turns,
    variables: execution.variables,
    ...extra,
  })

  for (let turnCount = 0; turnCount < MAX_TURNS; turnCount += 1) {
    const turn = runTurn(flow, execution, { maxSteps: input.maxStepsPerTurn, now: input.now })
    execution = turn.execution
    turns.push({
      status: execution.status,
      blocks: turn.blocks,
      events: turn.events.map((event) => event.type),
      nodeId: execution.nodeId,
    })
    const node = nodes.get(execution.nodeId)
    if (execution.status === 'waiting_input' && node?.type === 'ask') {
      const values = answers.shift()
      if (values === undefined)
        return finish('waiting_input', { note: `waiting for input at node ${node.id}; pass more answers` })
      const answer = validateAnswer(node, values)
      if (!answer.ok)
        return finish('invalid_answer', { answerErrors: answer.errors, note: `answer to node ${node.id}` })
      execution = {
        ...execution,
        status: 'running',
        variables: { ...execution.variables, ...answer.variables },
        nodeId: node.next,
      }
      continue
    }
    if (execution.status === 'waiting_time' && node?.type === 'delay') {
      execution = { ...execution, status: 'running', nodeId: node.next }
      continue
    }
    if (execution.status === 'waiting_time') {
      return finish('async_step', {
        note: `stopped before ${node?.type ?? 'an async'} node ${execution.nodeId}: a dry run does not call connections or LLMs`,
      })
    }
    return finish(execution.status, execution.error ? { error: execution.error } : {})
  }
  return finish('failed', { error: { code: 'loop_limit_exceeded', message: `more than ${MAX_TURNS} turns` } })
}
