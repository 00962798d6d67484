import type { z } from 'zod'
import { parsePath } from '../connections/read-path.ts'
import { compileExpression } from '../expressions/evaluate-expression.ts'
import { templateErrors, templateReferences } from '../expressions/render-template.ts'
import { type Flow, type FlowNode, flowNodeSchema, flowSchema } from './flow-schema.ts'

/**
 * Save- and publish-time validation of a flow document. It reports every problem it can find, each with
 * the node id where there is one, instead of stopping at the first. Problem kinds are listed in
 * engine/FLOWS.md. When the schema rejects some nodes, the checks that need the whole graph (reachability,
 * cycles, unknown variables) are skipped: a broken node could hide edges or assignments.
 */

export type FlowProblemCode =
  | 'schema'
  | 'duplicate_node_id'
  | 'unknown_start'
  | 'missing_target'
  | 'unreachable_node'
  | 'cycle_without_wait'
  | 'never_ends'
  | 'unknown_variable'
  | 'reserved_variable'
  | 'invalid_expression'
  | 'invalid_template'
  | 'unknown_connection'
  | 'invalid_response_path'
  | 'invalid_field'

export interface FlowProblem {
  code: FlowProblemCode
  nodeId?: string
  /** Dotted path into the document (`nodes.3.branches.0.when`); empty for the document itself. */
  path: string
  message: string
}

export type FlowValidation = { ok: true; flow: Flow } | { ok: false; problems: FlowProblem[] }

export interface ValidateFlowOptions {
  /** The tenant's connection names; when given, `connection` nodes must name one of them. */
  connections?: readonly string[]
}

/** The reserved root under which the interpreter exposes the trigger context (`{{context.text}}`). */
export const CONTEXT_VARIABLE = 'context'
/** Names a flow may not declare or assign: the context root and the expression language's words. */
const RESERVED_NAMES = new Set([CONTEXT_VARIABLE, 'and', 'or', 'not', 'in', 'true', 'false', 'null', 'this'])
/** Node types that end a turn; a cycle through none of them would spin forever inside one turn. */
const WAIT_TYPES = new Set<FlowNode['type']>(['ask', 'delay', 'connection', 'llm'])
/** The `llm` provider that needs no connection. */
export const LOCAL_LLM_PROVIDER = 'local'

interface Located {
  /** Path inside the node, like `branches.0.next`. */
  field: string
}
interface Entry {
  index: number
  node: FlowNode
}

export function validateFlow(input: unknown, options: ValidateFlowOptions = {}): FlowValidation {
  const parsed = flowSchema.safeParse(input)
  if (parsed.success) {
    const { variables, start, nodes } = parsed.data
    const entries = nodes.map((node, index) => ({ index, node }))
    const problems = checkFlow(
      { variables, start, entries, ids: new Set(nodes.map((n) => n.id)) },
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

interface FlowParts {
  variables: Record<string, unknown>
  start: string | undefined
  entries: Entry[]
  /** Ids of every node in the document, including nodes the schema rejected. */
  ids: Set<string>
}

function checkFlow(flow: FlowParts, options: ValidateFlowOptions, complete: boolean): FlowProblem[] {
  const problems: FlowProblem[] = []
  const byId = new Map<string, Entry>()
  const known = new Set([CONTEXT_VARIABLE, ...Object.keys(flow.variables)])
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
      known.add(variable)
      if (RESERVED_NAMES.has(variable)) problems.push(reserved(`nodes.${index}.${field}`, variable, node.id))
    }
  }
  for (const { node, index } of flow.entries) {
    const at = (field: string) => ({ nodeId: node.id, path: `nodes.${index}.${field}` })
    for (const { field, target } of nodeTargets(node)) {
      if (!flow.ids.has(target)) {
        problems.push({
          code: 'missing_target',
          ...at(field),
          message: `target node "${target}" does not exist`,
        })
      }
    }
    const references: (Located & { name: string })[] = []
    for (const { field, source } of nodeExpressions(node)) {
      try {
        references.push(...compileExpression(source).references.map((name) => ({ field, name })))
      } catch (error) {
        problems.push({
          code: 'invalid_expression',
          ...at(field),
          message: `invalid expression: ${messageOf(error)}`,
        })
      }
    }
    for (const { field, text } of nodeTemplates(node)) {
      for (const error of templateErrors(text)) {
        const message = `invalid placeholder ${error.placeholder}: ${error.message}`
        problems.push({ code: 'invalid_template', ...at(field), message })
      }
      references.push(...templateReferences(text).map((name) => ({ field, name })))
    }
    if (complete) {
      for (const { field, name } of references) {
        if (known.has(name)) continue
        const message = `unknown variable "${name}"; declare it in variables, or assign it with set, ask or a connection map`
        problems.push({ code: 'unknown_variable', ...at(field), message })
      }
    }
    const named = namedConnection(node)
    if (named && options.connections && !options.connections.includes(named.name)) {
      const configured = options.connections.length
        ? `configured: ${options.connections.join(', ')}`
        : 'none configured'
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
  }
  if (complete) problems.push(...checkGraph(flow, byId))
  return problems
}

type At = (field: string) => { nodeId: string; path: string }

/** The tenant connection a node calls: a `connection` node's, or an `llm` node's provider unless it is local. */
function namedConnection(node: FlowNode): { field: string; name: string } | undefined {
  if (node.type === 'connection') return { field: 'connection', name: node.connection }
  if (node.type === 'llm' && node.provider !== LOCAL_LLM_PROVIDER)
    return { field: 'provider', name: node.provider }
  return undefined
}

function checkAskInput(node: Extract<FlowNode, { type: 'ask' }>, at: At): FlowProblem[] {
  const problems: FlowProblem[] = []
  const invalid = (field: string, message: string) =>
    problems.push({ code: 'invalid_field', ...at(field), message })
  if (node.input.kind === 'buttons') {
    duplicates(node.input.options.map((o) => o.value)).forEach((i) => {
      invalid(`input.options.${i}.value`, 'duplicate button value')
    })
    return problems
  }
  duplicates(node.input.fields.map((f) => f.name)).forEach((i) => {
    invalid(`input.fields.${i}.name`, 'duplicate field name in this form')
  })
  node.input.fields.forEach((f, i) => {
    const choice = f.type === 'select' || f.type === 'multi_select'
    if (choice && !f.options) invalid(`input.fields.${i}.options`, `a ${f.type} field needs options`)
    if (!choice && f.options)
      invalid(`input.fields.${i}.options`, 'only select and multi_select fields take options')
    duplicates((f.options ?? []).map((o) => o.value)).forEach((j) => {
      invalid(`input.fields.${i}.options.${j}.value`, 'duplicate option value')
    })
    for (const key of ['accept', 'maxBytes'] as const) {
      if (f.type !== 'file' && f[key] !== undefined)
        invalid(`input.fields.${i}.${key}`, `only file fields take ${key}`)
    }
    for (const key of ['min', 'max'] as const) {
      if (f.type !== 'text' && f.type !== 'number' && f[key] !== undefined) {
        invalid(`input.fields.${i}.${key}`, `only text and number fields take ${key}`)
      }
    }
    if (f.min !== undefined && f.max !== undefined && f.min > f.max)
      invalid(`input.fields.${i}.min`, 'min is above max')
  })
  return problems
}

function checkGraph(flow: FlowParts, byId: Map<string, Entry>): FlowProblem[] {
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

  const noWait = ids.filter((id) => !WAIT_TYPES.has((byId.get(id) as Entry).node.type))
  const noWaitSet = new Set(noWait)
  for (const component of cycles(noWait, (id) => successors(id).filter((t) => noWaitSet.has(t)))) {
    const loop = describeCycle(component, (id) => successors(id).filter((t) => noWaitSet.has(t)))
    const message = `cycle with no wait: ${loop} would run forever in one turn; route it through an ask, delay, connection or llm node`
    problems.push(nodeProblem('cycle_without_wait', component[0] as string, message))
  }

  if (flow.start === undefined || !byId.has(flow.start)) return problems
  const reached = walk([flow.start], successors)
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
    const node = (byId.get(id) as Entry).node
    return nodeTargets(node).length === 0 || nodeTargets(node).some((edge) => !byId.has(edge.target))
  })
  const canFinish = walk(exits, (id) => predecessors.get(id) ?? [])
  const trapped = ids.filter((id) => reached.has(id) && !canFinish.has(id))
  const trappedSet = new Set(trapped)
  for (const component of cycles(trapped, (id) => successors(id).filter((t) => trappedSet.has(t)))) {
    const types = component.map((id) => (byId.get(id) as Entry).node.type)
    if (types.includes('ask') || !types.some((type) => WAIT_TYPES.has(type))) continue
    const loop = describeCycle(component, (id) => successors(id).filter((t) => trappedSet.has(t)))
    const message = `the loop ${loop} never reaches an end, abort or handoff and never asks the user; it would run forever`
    problems.push(nodeProblem('never_ends', component[0] as string, message))
  }
  return problems
}

function walk(from: string[], next: (id: string) => string[]): Set<string> {
  const seen = new Set(from)
  const queue = [...from]
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    for (const target of next(id)) {
      if (!seen.has(target)) {
        seen.add(target)
        queue.push(target)
      }
    }
  }
  return seen
}

/** Strongly connected components that contain a cycle (Tarjan), each in document order. */
function cycles(ids: string[], next: (id: string) => string[]): string[][] {
  const order = new Map(ids.map((id, i) => [id, i]))
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const found: string[][] = []
  const visit = (id: string) => {
    index.set(id, index.size)
    low.set(id, index.get(id) as number)
    stack.push(id)
    onStack.add(id)
    for (const target of next(id)) {
      if (!index.has(target)) visit(target)
      if (onStack.has(target)) low.set(id, Math.min(low.get(id) as number, low.get(target) as number))
    }
    if (low.get(id) !== index.get(id)) return
    const component: string[] = []
    for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
      onStack.delete(member)
      component.push(member)
      if (member === id) break
    }
    if (component.length > 1 || next(id).includes(id)) {
      found.push(component.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0)))
    }
  }
  for (const id of ids) if (!index.has(id)) visit(id)
  return found.sort((a, b) => (order.get(a[0] as string) ?? 0) - (order.get(b[0] as string) ?? 0))
}

/** One concrete loop through a component's first node: "a -> b -> a". */
function describeCycle(component: string[], next: (id: string) => string[]): string {
  const first = component[0] as string
  const members = new Set(component)
  const parent = new Map<string, string>()
  const queue = [first]
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    for (const target of next(id).filter((t) => members.has(t))) {
      if (target === first) {
        const steps: string[] = []
        for (
          let step: string | undefined = id;
          step !== undefined && step !== first;
          step = parent.get(step)
        ) {
          steps.unshift(step)
        }
        return [first, ...steps, first].join(' -> ')
      }
      if (!parent.has(target)) {
        parent.set(target, id)
        queue.push(target)
      }
    }
  }
  return component.join(' -> ')
}

function partialFlow(input: unknown): FlowParts | undefined {
  if (!isRecord(input) || !Array.isArray(input.nodes)) return undefined
  const entries: Entry[] = []
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

function reserved(path: string, name: string, nodeId?: string): FlowProblem {
  const message = `"${name}" is a reserved name; choose another variable name`
  return { code: 'reserved_variable', ...(nodeId === undefined ? {} : { nodeId }), path, message }
}

function duplicates(values: string[]): number[] {
  return values.flatMap((value, i) => (values.indexOf(value) < i ? [i] : []))
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
