import { evaluate } from '../compiled-expression.ts'
import type { NodeContext, NodeOf, NodeOutcome } from '../node-outcome.ts'

/** Records that the visitor reached a goal (an analytics event), then moves on. */
export function runGoal(node: NodeOf<'goal'>, context: NodeContext): NodeOutcome {
  const raw = node.value === undefined ? undefined : evaluate(node.value, context.variables)
  const value = typeof raw === 'number' && Number.isFinite(raw) ? raw : undefined
  return {
    kind: 'next',
    next: node.next,
    events: [
      {
        type: `goal.${node.goal}`,
        blockId: node.id,
        ...(value !== undefined && node.currency ? { value, currency: node.currency } : {}),
      },
    ],
  }
}
