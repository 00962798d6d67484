import { nodeTargets } from './flow-node-fields.ts'
import type { FlowEntry, FlowParts, FlowProblem, FlowProblemCode } from './flow-problem.ts'
import type { FlowNode } from './flow-schema.ts'
import { cyclicComponents, describeCycle, reachableFrom } from './graph-search.ts'

/** Node types that end a turn; a cycle through none of them would spin forever inside one turn. */
const WAIT_TYPES = new Set<FlowNode['type']>(['ask', 'delay', 'connection', 'llm'])

/** Checks the shape of the whole graph: loops that never wait, unreachable nodes, loops that never end. */
export function checkFlowGraph(flow: FlowParts, byId: Map<string, FlowEntry>): FlowProblem[] {
  const problems: FlowProblem[] = []
  const successors = (id: string) =>
    nodeTargets(byId.get(id)?.node as FlowNode)
      .map((edge) => edge.target)
      .filter((target) => byId.has(target))
  const nodeProblem = (code: FlowProblemCode, id: string, message: string): FlowProblem => ({
    code,
    nodeId: id,
    path: `nodes.${byId.get(id)?.index}`,
    message,
  })
  const ids = [...byId.keys()]

  const noWait = ids.filter((id) => !WAIT_TYPES.has((byId.get(id) as FlowEntry).node.type))
  const noWaitSet = new Set(noWait)
  for (const component of cyclicComponents(noWait, (id) => successors(id).filter((t) => noWaitSet.has(t)))) {
    const loop = describeCycle(component, (id) => successors(id).filter((t) => noWaitSet.has(t)))
    const message = `cycle with no wait: ${loop} would run forever in one turn; route it through an ask, delay, connection or llm node`
    problems.push(nodeProblem('cycle_without_wait', component[0] as string, message))
  }

  if (flow.start === undefined || !byId.has(flow.start)) return problems
  const reached = reachableFrom([flow.start], successors)
  for (const id of ids) {
    if (!reached.has(id)) {
      problems.push(nodeProblem('unreachable_node', id, `not reachable from the start node "${flow.start}"`))
    }
  }

  // A region that can never reach an end is fine while it waits for the user (idle expiry aborts it),
  // but without an ask it would keep the worker busy forever through its delays and connections.
  const predecessors = new Map<string, string[]>()
  for (const id of ids)
    for (const t of successors(id)) predecessors.set(t, [...(predecessors.get(t) ?? []), id])
  const exits = ids.filter((id) => {
    const node = (byId.get(id) as FlowEntry).node
    return nodeTargets(node).length === 0 || nodeTargets(node).some((edge) => !byId.has(edge.target))
  })
  const canFinish = reachableFrom(exits, (id) => predecessors.get(id) ?? [])
  const trapped = ids.filter((id) => reached.has(id) && !canFinish.has(id))
  const trappedSet = new Set(trapped)
  for (const component of cyclicComponents(trapped, (id) =>
    successors(id).filter((t) => trappedSet.has(t)),
  )) {
    const types = component.map((id) => (byId.get(id) as FlowEntry).node.type)
    if (types.includes('ask') || !types.some((type) => WAIT_TYPES.has(type))) continue
    const loop = describeCycle(component, (id) => successors(id).filter((t) => trappedSet.has(t)))
    const message = `the loop ${loop} never reaches an end, abort or handoff and never asks the user; it would run forever`
    problems.push(nodeProblem('never_ends', component[0] as string, message))
  }
  return problems
}
