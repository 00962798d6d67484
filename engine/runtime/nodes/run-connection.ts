import { ConnectionCallError, callConnection } from '../../connections/call-connection.ts'
import type { ConnectionService } from '../../connections/connection-service.ts'
import { readPath } from '../../connections/read-path.ts'
import { renderTemplate } from '../../expressions/render-template.ts'
import type { ExecutionState } from '../execution.ts'
import type { AsyncStepResult, NodeOf } from '../node-outcome.ts'

export const MAX_CONNECTION_ATTEMPTS = 3

export interface ConnectionStepDeps {
  connections: ConnectionService
  allowPrivateNetworks: boolean
}

/** Calls the node's connection and maps the answer into variables; retryable failures are retried. */
export async function runConnectionStep(
  node: NodeOf<'connection'>,
  execution: ExecutionState,
  attempt: number,
  deps: ConnectionStepDeps,
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
