import { nodeAssignments } from './flow-node-fields.ts'
import type { FlowEntry, FlowParts, FlowProblem } from './flow-problem.ts'

/** The reserved root under which the interpreter exposes the trigger context (`{{context.text}}`). */
export const CONTEXT_VARIABLE = 'context'
/** Names a flow may not declare or assign: the context root and the expression language's words. */
const RESERVED_NAMES = new Set([CONTEXT_VARIABLE, 'and', 'or', 'not', 'in', 'true', 'false', 'null', 'this'])

export interface FlowNames {
  problems: FlowProblem[]
  /** The first node with each id. */
  byId: Map<string, FlowEntry>
  /** Every variable the flow declares or assigns, plus the context root. */
  knownVariables: Set<string>
}

/** Checks the names a flow defines (node ids, variables, the start node) and collects them. */
export function checkFlowNames(flow: FlowParts): FlowNames {
  const problems: FlowProblem[] = []
  const byId = new Map<string, FlowEntry>()
  const knownVariables = new Set([CONTEXT_VARIABLE, ...Object.keys(flow.variables)])
  for (const name of Object.keys(flow.variables)) {
    if (RESERVED_NAMES.has(name)) problems.push(reserved(`variables.${name}`, name))
  }
  if (flow.start !== undefined && !flow.ids.has(flow.start)) {
    problems.push({
      code: 'unknown_start',
      path: 'start',
      message: `start node "${flow.start}" does not exist`,
    })
  }
  for (const entry of flow.entries) {
    const { node, index } = entry
    const first = byId.get(node.id)
    if (first) {
      const message = `duplicate node id "${node.id}" (also used by nodes.${first.index})`
      problems.push({ code: 'duplicate_node_id', nodeId: node.id, path: `nodes.${index}.id`, message })
    } else byId.set(node.id, entry)
    for (const { field, variable } of nodeAssignments(node)) {
      knownVariables.add(variable)
      if (RESERVED_NAMES.has(variable)) problems.push(reserved(`nodes.${index}.${field}`, variable, node.id))
    }
  }
  return { problems, byId, knownVariables }
}

function reserved(path: string, name: string, nodeId?: string): FlowProblem {
  const message = `"${name}" is a reserved name; choose another variable name`
  return { code: 'reserved_variable', ...(nodeId === undefined ? {} : { nodeId }), path, message }
}
