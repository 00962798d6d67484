import type { FlowNode } from './flow-schema.ts'

/** What the flow checks share: the problems they report, and the flow as they see it. */

export type FlowProblemCode =
  | 'schema'
  | 'duplicate_node_id'
  | 'unknown_start'
  | 'missing_target'
  | 'unreachable_node'
  | 'cycle_without_wait'
  | 'never_ends'
  | 'unknown_variable'
  | 'reserved_variable'
  | 'invalid_expression'
  | 'invalid_template'
  | 'unknown_connection'
  | 'invalid_response_path'
  | 'invalid_field'

export interface FlowProblem {
  code: FlowProblemCode
  nodeId?: string
  /** Dotted path into the document (`nodes.3.branches.0.when`); empty for the document itself. */
  path: string
  message: string
}

export interface FlowEntry {
  index: number
  node: FlowNode
}

export interface FlowParts {
  variables: Record<string, unknown>
  /** The variables the flow exports (readable by the Engine API and webhooks). */
  exports?: readonly string[]
  start: string | undefined
  entries: FlowEntry[]
  /** Ids of every node in the document, including nodes the schema rejected. */
  ids: Set<string>
}

/** Locates a field of one node (`branches.0.next`) as a problem's node id and document path. */
export type NodeFieldLocator = (field: string) => { nodeId: string; path: string }

export function nodeFieldLocator({ node, index }: FlowEntry): NodeFieldLocator {
  return (field) => ({ nodeId: node.id, path: `nodes.${index}.${field}` })
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
