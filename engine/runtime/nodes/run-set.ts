import { evaluate } from '../compiled-expression.ts'
import type { NodeContext, NodeOf, NodeOutcome } from '../node-outcome.ts'

/** Assigns in order; later assignments see earlier ones. */
export function runSet(node: NodeOf<'set'>, context: NodeContext): NodeOutcome {
  const assign: Record<string, unknown> = {}
  for (const { variable, value } of node.assign) {
    assign[variable] = evaluate(value, { ...context.variables, ...assign })
  }
  return { kind: 'next', next: node.next, assign }
}
