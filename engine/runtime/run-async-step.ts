import { ConnectionCallError, callConnection } from '../connections/call-connection.ts'
import type { ConnectionService } from '../connections/connection-service.ts'
import { readPath } from '../connections/read-path.ts'
import { renderTemplate } from '../expressions/render-template.ts'
import type { FlowNode } from '../flows/flow-schema.ts'
import type { ExecutionState } from './execution.ts'
import type { AsyncStepResult, NodeOf } from './node-outcome.ts'
import { type LlmStepDeps, runLlmStep } from './run-llm-step.ts'

export type AsyncNode = Extract<FlowNode, { type: 'delay' | 'connection' | 'llm' }>

export const MAX_CONNECTION_ATTEMPTS = 3

export interface AsyncStepDeps extends LlmStepDeps {
  connections: ConnectionService
  allowPrivateNetworks: boolean
}

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

async function runConnectionStep(
  node: NodeOf<'connection'>,
  execution: ExecutionState,
  attempt: number,
  deps: AsyncStepDeps,
): Promise<AsyncStepResult> {
  const variables = execution.variables
  try {
    const connection = await deps.connections.resolve(execution.tenantId, node.connection)
    if (!connection) return failOrBranch(node, variables, `connection "${node.connection}" does not exist`)
    const body = node.body
      ? Object.fromEntries(
          Object.entries(node.body).map(([key, value]) => [key, renderTemplate(value, variables)]),
        )
      : undefined
    const response = await callConnection(
      connection,
      {
        method: node.method,
        path: renderTemplate(node.path, variables, { encode: encodeURIComponent }),
        ...(body ? { body } : {}),
        ...(node.timeoutMs ? { timeoutMs: node.timeoutMs } : {}),
      },
      { allowPrivateNetworks: deps.allowPrivateNetworks },
    )
    const mapped = Object.fromEntries(
      node.map.map(({ variable, path }) => [variable, readPath(response.body, path)]),
    )
    return { kind: 'continue', nodeId: node.next, variables: { ...variables, ...mapped } }
  } catch (error) {
    const message = `connection "${node.connection}": ${(error as Error).message}`
    const retryable = error instanceof ConnectionCallError && error.retryable
    if (retryable && attempt < MAX_CONNECTION_ATTEMPTS) {
      return { kind: 'retry', delayMs: error.retryAfterMs ?? 500 * 2 ** (attempt - 1), error: message }
    }
    return failOrBranch(node, variables, message)
  }
}

/** A failed call takes the node's error branch (with `error.message` set) when it has one. */
function failOrBranch(
  node: NodeOf<'connection'>,
  variables: Record<string, unknown>,
  message: string,
): AsyncStepResult {
  if (node.onError)
    return { kind: 'continue', nodeId: node.onError, variables: { ...variables, error: { message } } }
  return { kind: 'fail', code: 'connection_failed', message }
}
