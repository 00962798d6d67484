import { renderTemplate } from '../../expressions/render-template.ts'
import type { Block } from '../execution.ts'
import type { NodeContext, NodeOf, NodeOutcome } from '../node-outcome.ts'

/** Shows the prompt and the input to fill, then waits for the widget to resume with values. */
export function runAsk(node: NodeOf<'ask'>, context: NodeContext): NodeOutcome {
  const blocks: Block[] = []
  if (node.prompt)
    blocks.push({
      id: `${node.id}.prompt`,
      type: 'text',
      markdown: renderTemplate(node.prompt, context.variables),
    })
  const { input } = node
  if (input.kind === 'buttons') {
    blocks.push({ id: `${node.id}.input`, type: 'buttons', variable: input.variable, options: input.options })
  } else {
    blocks.push({
      id: `${node.id}.input`,
      type: 'form',
      fields: input.fields,
      submitLabel: input.submitLabel,
    })
  }
  return { kind: 'wait_input', blocks }
}
