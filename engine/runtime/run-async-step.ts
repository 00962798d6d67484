import type { FlowNode } from '../flows/flow-schema.ts'
import type { ExecutionState } from './execution.ts'
import type { AsyncStepResult } from './node-outcome.ts'
import { type ConnectionStepDeps, runConnectionStep } from './nodes/run-connection.ts'
import { type LlmStepDeps, runLlmStep } from './nodes/run-llm-step.ts'

export type AsyncNode = Extract<FlowNode, { type: 'delay' | 'connection' | 'llm' }>

export interface AsyncStepDeps extends LlmStepDeps, ConnectionStepDeps {}

export function isAsyncNode(node: FlowNode | undefined): node is AsyncNode {
  return node?.type === 'delay' || node?.type === 'connection' || node?.type === 'llm'
}

/** Does the slow part of a `waiting_time` node: a delay has already elapsed; a connection or an LLM is called. */
export async function runAsyncStep(
  node: AsyncNode,
  execution: ExecutionState,
  attempt: number,
  deps: AsyncStepDeps,
): Promise<AsyncStepResult> {
  switch (node.type) {
    case 'delay':
      return { kind: 'continue', nodeId: node.next, variables: execution.variables }
    case 'connection':
      return runConnectionStep(node, execution, attempt, deps)
    case 'llm':
      return runLlmStep(node, execution, deps)
  }
}
