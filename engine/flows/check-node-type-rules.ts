import { parsePath } from '../connections/read-path.ts'
import {
  type FlowEntry,
  type FlowProblem,
  messageOf,
  type NodeFieldLocator,
  nodeFieldLocator,
} from './flow-problem.ts'
import type { FlowNode, FormField } from './flow-schema.ts'

/** The `llm` provider that needs no connection. */
export const LOCAL_LLM_PROVIDER = 'local'

/**
 * The rules of single node types the schema cannot express: the connection a `connection` or `llm` node
 * calls exists, response paths parse, and an `ask` form's fields fit their types.
 */
export function checkNodeTypeRules(
  entry: FlowEntry,
  connections: readonly string[] | undefined,
): FlowProblem[] {
  const { node } = entry
  const at = nodeFieldLocator(entry)
  const problems: FlowProblem[] = []
  const named = namedConnection(node)
  if (named && connections && !connections.includes(named.name)) {
    const configured = connections.length ? `configured: ${connections.join(', ')}` : 'none configured'
    const message =
      node.type === 'llm'
        ? `unknown LLM provider "${named.name}": use "${LOCAL_LLM_PROVIDER}" or a connection name (${configured})`
        : `unknown connection "${named.name}" (${configured})`
    problems.push({ code: 'unknown_connection', ...at(named.field), message })
  }
  if (node.type === 'connection') {
    node.map.forEach(({ path }, i) => {
      try {
        parsePath(path)
      } catch (error) {
        problems.push({ code: 'invalid_response_path', ...at(`map.${i}.path`), message: messageOf(error) })
      }
    })
  }
  if (node.type === 'ask') problems.push(...checkAskInput(node, at))
  return problems
}

/** The tenant connection a node calls: a `connection` node's, or an `llm` node's provider unless it is local. */
function namedConnection(node: FlowNode): { field: string; name: string } | undefined {
  if (node.type === 'connection') return { field: 'connection', name: node.connection }
  if (node.type === 'llm' && node.provider !== LOCAL_LLM_PROVIDER)
    return { field: 'provider', name: node.provider }
  return undefined
}

function checkAskInput(node: Extract<FlowNode, { type: 'ask' }>, at: NodeFieldLocator): FlowProblem[] {
  const problems: FlowProblem[] = []
  const invalid = (field: string, message: string) =>
    problems.push({ code: 'invalid_field', ...at(field), message })
  if (node.input.kind === 'buttons') {
    duplicates(node.input.options.map((o) => o.value)).forEach((i) => {
      invalid(`input.options.${i}.value`, 'duplicate button value')
    })
    return problems
  }
  for (const problem of checkFormFields(node.input.fields))
    invalid(`input.fields.${problem.path}`, problem.message)
  return problems
}

/**
 * The rules of a form's fields the schema cannot express (names and option values unique, options only on
 * choice fields, accept/maxBytes only on file fields, min/max only on text and number fields); paths are
 * relative to the field list (`2.options`). Shared by flow `ask` forms and published forms (engine/forms).
 */
export function checkFormFields(fields: readonly FormField[]): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = []
  const invalid = (path: string, message: string) => problems.push({ path, message })
  duplicates(fields.map((f) => f.name)).forEach((i) => {
    invalid(`${i}.name`, 'duplicate field name in this form')
  })
  fields.forEach((f, i) => {
    const choice = f.type === 'select' || f.type === 'multi_select'
    if (choice && !f.options) invalid(`${i}.options`, `a ${f.type} field needs options`)
    if (!choice && f.options) invalid(`${i}.options`, 'only select and multi_select fields take options')
    duplicates((f.options ?? []).map((o) => o.value)).forEach((j) => {
      invalid(`${i}.options.${j}.value`, 'duplicate option value')
    })
    for (const key of ['accept', 'maxBytes'] as const) {
      if (f.type !== 'file' && f[key] !== undefined) invalid(`${i}.${key}`, `only file fields take ${key}`)
    }
    for (const key of ['min', 'max'] as const) {
      if (f.type !== 'text' && f.type !== 'number' && f[key] !== undefined)
        invalid(`${i}.${key}`, `only text and number fields take ${key}`)
    }
    if (f.min !== undefined && f.max !== undefined && f.min > f.max) invalid(`${i}.min`, 'min is above max')
  })
  return problems
}

/** Indexes of the values that repeat an earlier one. */
function duplicates(values: string[]): number[] {
  return values.flatMap((value, i) => (values.indexOf(value) < i ? [i] : []))
}
