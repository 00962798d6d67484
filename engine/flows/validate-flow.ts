import type { z } from 'zod'
import { checkFlowGraph } from './check-flow-graph.ts'
import { CONTEXT_VARIABLE, checkFlowNames } from './check-flow-names.ts'
import { checkNodeReferences } from './check-node-references.ts'
import { checkNodeTypeRules } from './check-node-type-rules.ts'
import type { FlowEntry, FlowParts, FlowProblem } from './flow-problem.ts'
import { type Flow, flowNodeSchema, flowSchema } from './flow-schema.ts'

/**
 * Save- and publish-time validation of a flow document. It reports every problem it can find, each with
 * the node id where there is one, instead of stopping at the first. Problem kinds are listed in
 * engine/FLOWS.md. When the schema rejects some nodes, the checks that need the whole graph (reachability,
 * cycles, unknown variables) are skipped: a broken node could hide edges or assignments.
 */

export { CONTEXT_VARIABLE } from './check-flow-names.ts'
export { LOCAL_LLM_PROVIDER } from './check-node-type-rules.ts'
export { nodeAssignments, nodeExpressions, nodeTargets, nodeTemplates } from './flow-node-fields.ts'
export type { FlowProblem, FlowProblemCode } from './flow-problem.ts'

export type FlowValidation = { ok: true; flow: Flow } | { ok: false; problems: FlowProblem[] }

export interface ValidateFlowOptions {
  /** The tenant's connection names; when given, `connection` nodes must name one of them. */
  connections?: readonly string[]
}

export function validateFlow(input: unknown, options: ValidateFlowOptions = {}): FlowValidation {
  const parsed = flowSchema.safeParse(input)
  if (parsed.success) {
    const { variables, start, nodes, exports } = parsed.data
    const entries = nodes.map((node, index) => ({ index, node }))
    const problems = checkFlow(
      { variables, start, entries, ids: new Set(nodes.map((n) => n.id)), ...(exports ? { exports } : {}) },
      options,
      true,
    )
    return problems.length === 0 ? { ok: true, flow: parsed.data } : { ok: false, problems }
  }
  const problems = parsed.error.issues.map((issue) => schemaProblem(issue, input))
  const partial = partialFlow(input)
  if (partial) problems.push(...checkFlow(partial, options, false))
  return { ok: false, problems }
}

/** `complete` is false when the schema rejected some nodes; the whole-flow checks are then skipped. */
function checkFlow(flow: FlowParts, options: ValidateFlowOptions, complete: boolean): FlowProblem[] {
  const names = checkFlowNames(flow)
  const knownVariables = complete ? names.knownVariables : undefined
  const problems = [...names.problems]
  for (const entry of flow.entries) {
    problems.push(
      ...checkNodeReferences(entry, flow.ids, knownVariables),
      ...checkNodeTypeRules(entry, options.connections),
    )
  }
  if (complete)
    problems.push(...checkFlowGraph(flow, names.byId), ...checkExports(flow, names.knownVariables))
  return problems
}

/** An exported name must be a variable the flow declares or assigns. */
function checkExports(flow: FlowParts, knownVariables: Set<string>): FlowProblem[] {
  return (flow.exports ?? []).flatMap((name, index) =>
    knownVariables.has(name) && name !== CONTEXT_VARIABLE
      ? []
      : [
          {
            code: 'unknown_variable' as const,
            path: `exports.${index}`,
            message: `exported variable "${name}" is declared nowhere; declare it in variables, or assign it with set, ask or a connection map`,
          },
        ],
  )
}

/** The nodes the schema accepts, and the ids of all, from a document the schema rejected. */
function partialFlow(input: unknown): FlowParts | undefined {
  if (!isRecord(input) || !Array.isArray(input.nodes)) return undefined
  const entries: FlowEntry[] = []
  const ids = new Set<string>()
  input.nodes.forEach((raw: unknown, index) => {
    if (isRecord(raw) && typeof raw.id === 'string') ids.add(raw.id)
    const node = flowNodeSchema.safeParse(raw)
    if (node.success) entries.push({ index, node: node.data })
  })
  const variables = flowSchema.shape.variables.safeParse(input.variables)
  const start = typeof input.start === 'string' ? input.start : undefined
  return { variables: variables.success ? variables.data : {}, start, entries, ids }
}

function schemaProblem(issue: z.core.$ZodIssue, input: unknown): FlowProblem {
  const path = issue.path.map(String).join('.')
  const [root, index] = issue.path
  const node = root === 'nodes' && typeof index === 'number' && isRecord(input) ? input.nodes : undefined
  const raw: unknown = Array.isArray(node) ? node[index as number] : undefined
  const nodeId = isRecord(raw) && typeof raw.id === 'string' ? raw.id : undefined
  return { code: 'schema', ...(nodeId === undefined ? {} : { nodeId }), path, message: issue.message }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
