import type { FlowNode } from './flow-schema.ts'

/** Where each kind of field sits in each node type, so the checks need no switch of their own. */

interface Located {
  /** Path inside the node, like `branches.0.next`. */
  field: string
}

/** Where each edge of a node points, with the field that holds it. */
export function nodeTargets(node: FlowNode): (Located & { target: string })[] {
  switch (node.type) {
    case 'message':
    case 'ask':
    case 'set':
    case 'delay':
    case 'goal':
      return [{ field: 'next', target: node.next }]
    case 'condition':
      return [
        ...node.branches.map((branch, i) => ({ field: `branches.${i}.next`, target: branch.next })),
        { field: 'else', target: node.else },
      ]
    case 'connection':
    case 'llm':
      return [{ field: 'next', target: node.next }, ...optional('onError', node.onError)]
    case 'handoff':
      return optional('next', node.next)
    case 'end':
    case 'abort':
      return []
  }
}

/** The text fields the interpreter renders as `{{path}}` templates (not option values, ids or names). */
export function nodeTemplates(node: FlowNode): (Located & { text: string })[] {
  switch (node.type) {
    case 'message':
      return node.blocks.flatMap((block, b) => {
        const at = `blocks.${b}.`
        if (block.kind === 'product_card') return texts(`${at}product.`, block.product)
        if (block.kind === 'carousel')
          return block.products.flatMap((p, i) => texts(`${at}products.${i}.`, p))
        const { kind: _kind, ...fields } = block
        return texts(at, fields)
      })
    case 'ask': {
      const prompt = texts('', { prompt: node.prompt })
      if (node.input.kind === 'buttons') {
        return [
          ...prompt,
          ...node.input.options.flatMap((o, i) => texts(`input.options.${i}.`, { label: o.label })),
        ]
      }
      const fields = node.input.fields.flatMap((f, i) => [
        ...texts(`input.fields.${i}.`, { label: f.label, placeholder: f.placeholder }),
        ...(f.options ?? []).flatMap((o, j) => texts(`input.fields.${i}.options.${j}.`, { label: o.label })),
      ])
      return [...prompt, ...fields, ...texts('input.', { submitLabel: node.input.submitLabel })]
    }
    case 'connection':
      return [...texts('', { path: node.path }), ...texts('body.', node.body ?? {})]
    case 'llm':
      return [
        ...texts('', { system: node.system, prompt: node.prompt }),
        ...node.grounding.flatMap((snippet, i) => texts(`grounding.${i}.`, snippet)),
      ]
    case 'handoff':
      return texts('', { message: node.message })
    case 'end':
      return texts('', { message: node.message })
    case 'abort':
      return texts('', { reason: node.reason })
    case 'condition':
    case 'set':
    case 'delay':
    case 'goal':
      return []
  }
}

/** The expression fields of a node. */
export function nodeExpressions(node: FlowNode): (Located & { source: string })[] {
  switch (node.type) {
    case 'condition':
      return node.branches.map((branch, i) => ({ field: `branches.${i}.when`, source: branch.when }))
    case 'set':
      return node.assign.map((a, i) => ({ field: `assign.${i}.value`, source: a.value }))
    case 'goal':
      return node.value === undefined ? [] : [{ field: 'value', source: node.value }]
    default:
      return []
  }
}

/** The variables a node writes: `set` assignments, `ask` answers and `connection` mappings. */
export function nodeAssignments(node: FlowNode): (Located & { variable: string })[] {
  switch (node.type) {
    case 'set':
      return node.assign.map((a, i) => ({ field: `assign.${i}.variable`, variable: a.variable }))
    case 'ask':
      return node.input.kind === 'buttons'
        ? [{ field: 'input.variable', variable: node.input.variable }]
        : node.input.fields.map((f, i) => ({ field: `input.fields.${i}.name`, variable: f.name }))
    case 'connection':
      return node.map.map((m, i) => ({ field: `map.${i}.variable`, variable: m.variable }))
    case 'llm':
      return node.variable === undefined ? [] : [{ field: 'variable', variable: node.variable }]
    default:
      return []
  }
}

function optional(field: string, value: string | undefined): (Located & { target: string })[] {
  return value === undefined ? [] : [{ field, target: value }]
}

/** The string-valued fields of `record`, as template fields under `prefix`. */
function texts(prefix: string, record: object): (Located & { text: string })[] {
  return Object.entries(record).flatMap(([key, value]) =>
    typeof value === 'string' ? [{ field: `${prefix}${key}`, text: value }] : [],
  )
}
