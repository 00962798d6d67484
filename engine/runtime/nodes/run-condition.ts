import { isTruthy } from '../../expressions/evaluate-expression.ts'
import { evaluate } from '../compiled-expression.ts'
import type { NodeContext, NodeOf, NodeOutcome } from '../node-outcome.ts'

/** Takes the first branch whose expression is truthy (engine/FLOWS.md: `[]` and `{}` are falsy), else `else`. */
export function runCondition(node: NodeOf<'condition'>, context: NodeContext): NodeOutcome {
  for (const branch of node.branches) {
    if (isTruthy(evaluate(branch.when, context.variables))) return { kind: 'next', next: branch.next }
  }
  return { kind: 'next', next: node.else }
}
