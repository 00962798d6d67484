import { renderTemplate } from '../../expressions/render-template.ts'
import type { NodeContext, NodeOf, NodeOutcome } from '../node-outcome.ts'

export function runHandoff(node: NodeOf<'handoff'>, context: NodeContext): NodeOutcome {
  const blocks = [
    { id: node.id, type: 'handoff' as const, message: renderTemplate(node.message, context.variables) },
  ]
  // A handoff that ends the flow is a handoff too: the event is recorded either way.
  const events = [{ type: 'chat.handoff' as const, blockId: node.id }]
  if (node.next) return { kind: 'next', next: node.next, blocks, events }
  return { kind: 'finish', status: 'completed', blocks, events }
}

export function runEnd(node: NodeOf<'end'>, context: NodeContext): NodeOutcome {
  const blocks = node.message
    ? [{ id: node.id, type: 'text' as const, markdown: renderTemplate(node.message, context.variables) }]
    : []
  return { kind: 'finish', status: 'completed', blocks }
}

export function runAbort(node: NodeOf<'abort'>, context: NodeContext): NodeOutcome {
  const reason =
    node.reason === undefined ? 'the flow aborted' : renderTemplate(node.reason, context.variables)
  return { kind: 'finish', status: 'aborted', reason }
}
