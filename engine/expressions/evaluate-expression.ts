import jsep from 'jsep'

/**
 * The flow expression language (`condition` branches, `set` values, `goal` values), documented in
 * engine/FLOWS.md. jsep only parses; this module interprets the AST with a closed set of node types,
 * operators and functions, so nothing reaches JavaScript evaluation and every rule below is ours:
 * no implicit type coercion, missing paths read as null, no operation throws at run time.
 */

// jsep keeps its operator tables in module-level statics; this module is the only jsep user in the
// process, so it configures them once here. Word operators get the precedence of their symbol twins.
jsep.addBinaryOp('or', 1)
jsep.addBinaryOp('and', 2)
jsep.addBinaryOp('in', 7)
jsep.addUnaryOp('not')

export const MAX_EXPRESSION_LENGTH = 1_000
/** Deepest AST nesting accepted; there are no loops, so depth bounds the evaluation work. */
export const MAX_EXPRESSION_DEPTH = 40

export type ExpressionValue = null | boolean | number | string | ExpressionValue[] | ExpressionObject
export interface ExpressionObject {
  [key: string]: ExpressionValue
}
/** Variables by root name; the interpreter passes the flow's variables plus the `context` root. */
export type ExpressionVariables = Readonly<Record<string, unknown>>

export interface CompiledExpression {
  readonly source: string
  /** Root variable names the expression reads, in order of first use (`order` for `order.status`). */
  readonly references: string[]
  evaluate(variables: ExpressionVariables): ExpressionValue
}

export class ExpressionError extends Error {
  override readonly name = 'ExpressionError'
  /** @param position zero-based offset in the source; the message shows it one-based as a column. */
  constructor(
    readonly reason: string,
    readonly position: number,
  ) {
    super(`${reason} (at column ${position + 1})`)
  }
}

/** Keys that lead to prototypes; refused when written in the source, read as null when computed. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

type Evaluate = (variables: ExpressionVariables) => ExpressionValue
type Node = jsep.Expression

interface FunctionSpec {
  minArgs: number
  maxArgs: number
  call: (args: ExpressionValue[]) => ExpressionValue
}

const FUNCTIONS: Readonly<Record<string, FunctionSpec>> = {
  lower: {
    minArgs: 1,
    maxArgs: 1,
    call: ([x = null]) => (x === null ? null : stringifyValue(x).toLowerCase()),
  },
  upper: {
    minArgs: 1,
    maxArgs: 1,
    call: ([x = null]) => (x === null ? null : stringifyValue(x).toUpperCase()),
  },
  trim: { minArgs: 1, maxArgs: 1, call: ([x = null]) => (x === null ? null : stringifyValue(x).trim()) },
  len: { minArgs: 1, maxArgs: 1, call: ([x = null]) => length(x) },
  contains: { minArgs: 2, maxArgs: 2, call: ([haystack = null, needle = null]) => isIn(needle, haystack) },
  startsWith: {
    minArgs: 2,
    maxArgs: 2,
    call: ([s = null, prefix = null]) =>
      s !== null && prefix !== null && stringifyValue(s).startsWith(stringifyValue(prefix)),
  },
  number: { minArgs: 1, maxArgs: 1, call: ([x = null]) => toNumber(x) },
  string: { minArgs: 1, maxArgs: 1, call: ([x = null]) => stringifyValue(x) },
  round: { minArgs: 1, maxArgs: 2, call: ([x = null, digits = 0]) => round(x, digits) },
  min: { minArgs: 1, maxArgs: 50, call: (args) => extreme(args, Math.min) },
  max: { minArgs: 1, maxArgs: 50, call: (args) => extreme(args, Math.max) },
  isEmpty: { minArgs: 1, maxArgs: 1, call: ([x = null]) => isEmpty(x) },
}

export const EXPRESSION_FUNCTIONS: readonly string[] = Object.keys(FUNCTIONS)

/** Parses and checks `source`, returning an evaluator that never throws. Throws ExpressionError. */
export function compileExpression(source: string): CompiledExpression {
  const ast = parse(source)
  const references: string[] = []
  const evaluate = compileNode(ast, { source, references, depth: 0 })
  return { source, references, evaluate }
}

/**
 * Compiles a bare variable path (`order.items[0].name`, `context.text`): identifiers, `.key` and
 * `[literal]` only. Templates use this; a path reads null wherever a step is missing.
 */
export function compilePath(source: string): CompiledExpression {
  const ast = parse(source)
  const notAPath = findNonPathNode(ast)
  if (notAPath) {
    throw new ExpressionError(
      'only a variable path is allowed here, like order.items[0].name',
      locate(source, notAPath),
    )
  }
  return compileExpression(source)
}

/** Truthiness for `and`, `or`, `not`, `?:` and condition branches: null, false, 0, "", [] and {} are false. */
export function isTruthy(value: ExpressionValue): boolean {
  if (Array.isArray(value)) return value.length > 0
  if (isPlainObject(value)) return Object.keys(value).length > 0
  return value !== null && value !== false && value !== 0 && value !== ''
}

/** Text form of a value, shared by `+` concatenation, `string()` and templates: null is "", objects JSON. */
export function stringifyValue(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : ''
  if (typeof value === 'boolean') return String(value)
  if (typeof value === 'object') {
    try {
      return JSON.stringify(value) ?? ''
    } catch {
      return ''
    }
  }
  return ''
}

function parse(source: string): Node {
  if (source.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionError(
      `expression is longer than ${MAX_EXPRESSION_LENGTH} characters`,
      MAX_EXPRESSION_LENGTH,
    )
  }
  if (source.trim() === '') throw new ExpressionError('expression is empty', 0)
  try {
    return jsep(source)
  } catch (error) {
    if (error instanceof RangeError) throw new ExpressionError('expression is nested too deeply', 0)
    const { description, index } = error as { description?: string; index?: number }
    const position = typeof index === 'number' ? Math.max(0, Math.min(index, source.length - 1)) : 0
    if (description === 'Unexpected "="') {
      throw new ExpressionError('assignment is not allowed; compare with ==', position)
    }
    throw new ExpressionError(description ?? String(error), position)
  }
}

interface CompileContext {
  source: string
  references: string[]
  depth: number
}

function compileNode(node: Node, context: CompileContext): Evaluate {
  const fail = (reason: string, at: Node | string = node): never => {
    throw new ExpressionError(reason, locate(context.source, at))
  }
  if (context.depth > MAX_EXPRESSION_DEPTH)
    fail(`expression is nested deeper than ${MAX_EXPRESSION_DEPTH} levels`)
  const child = (inner: Node): Evaluate => compileNode(inner, { ...context, depth: context.depth + 1 })

  switch (node.type) {
    case 'Literal': {
      const { value } = node as jsep.Literal
      if (value !== null && typeof value === 'object') return fail('regular expressions are not supported')
      const constant = typeof value === 'number' ? finite(value) : value
      return () => constant
    }
    case 'Identifier': {
      const { name } = node as jsep.Identifier
      if (FORBIDDEN_KEYS.has(name)) fail(`"${name}" is not allowed`)
      if (!context.references.includes(name)) context.references.push(name)
      return (variables) => (Object.hasOwn(variables, name) ? fromVariable(variables[name]) : null)
    }
    case 'MemberExpression': {
      const member = node as jsep.MemberExpression
      const target = child(member.object)
      const key = staticKey(member)
      if (key !== undefined) {
        if (typeof key === 'string' && FORBIDDEN_KEYS.has(key)) fail(`"${key}" is not allowed`, key)
        return (variables) => readKey(target(variables), key)
      }
      const computedKey = child(member.property)
      return (variables) => readKey(target(variables), computedKey(variables))
    }
    case 'CallExpression': {
      const call = node as jsep.CallExpression
      if (call.callee.type !== 'Identifier') {
        const method =
          call.callee.type === 'MemberExpression'
            ? staticKey(call.callee as jsep.MemberExpression)
            : undefined
        const at = typeof method === 'string' ? method : call.callee
        return fail('method calls are not allowed; call one of the listed functions, like lower(name)', at)
      }
      const name = (call.callee as jsep.Identifier).name
      const spec = Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined
      if (!spec) return fail(`unknown function "${name}"; available: ${EXPRESSION_FUNCTIONS.join(', ')}`)
      const count = call.arguments.length
      if (count < spec.minArgs || count > spec.maxArgs) {
        const expected =
          spec.minArgs === spec.maxArgs ? `${spec.minArgs}` : `${spec.minArgs} to ${spec.maxArgs}`
        fail(`${name}() takes ${expected} argument${spec.maxArgs === 1 ? '' : 's'}, got ${count}`)
      }
      const args = call.arguments.map(child)
      return (variables) => spec.call(args.map((arg) => arg(variables)))
    }
    case 'UnaryExpression': {
      const unary = node as jsep.UnaryExpression
      const argument = child(unary.argument)
      if (unary.operator === '-') {
        return (variables) => {
          const value = argument(variables)
          return typeof value === 'number' ? finite(-value) : null
        }
      }
      if (unary.operator === '!' || unary.operator === 'not')
        return (variables) => !isTruthy(argument(variables))
      return fail(`operator "${unary.operator}" is not supported`, unary.operator)
    }
    case 'BinaryExpression': {
      const binary = node as jsep.BinaryExpression
      const left = child(binary.left)
      const right = child(binary.right)
      return compileBinary(binary.operator, left, right, fail)
    }
    case 'ConditionalExpression': {
      const conditional = node as jsep.ConditionalExpression
      const test = child(conditional.test)
      const consequent = child(conditional.consequent)
      const alternate = child(conditional.alternate)
      return (variables) => (isTruthy(test(variables)) ? consequent(variables) : alternate(variables))
    }
    case 'ArrayExpression': {
      const { elements } = node as jsep.ArrayExpression
      const items = elements.map((element) =>
        element ? child(element) : fail('empty array slots are not allowed'),
      )
      return (variables) => items.map((item) => item(variables))
    }
    case 'Compound':
      return fail(
        'expected a single expression; use and/or between conditions',
        (node as jsep.Compound).body[1],
      )
    case 'SequenceExpression':
      return fail('commas are only allowed between function arguments and array items', ',')
    case 'ThisExpression':
      return fail('"this" is not available', 'this')
    default:
      return fail(`unsupported syntax (${node.type})`)
  }
}

type Fail = (reason: string, at?: Node | string) => never

function compileBinary(operator: string, left: Evaluate, right: Evaluate, fail: Fail): Evaluate {
  switch (operator) {
    case 'and':
    case '&&':
      return (v) => isTruthy(left(v)) && isTruthy(right(v))
    case 'or':
    case '||':
      return (v) => isTruthy(left(v)) || isTruthy(right(v))
    case '??':
      return (v) => left(v) ?? right(v)
    case '==':
      return (v) => equals(left(v), right(v), 0)
    case '!=':
      return (v) => !equals(left(v), right(v), 0)
    case '<':
      return (v) => compare(left(v), right(v), (order) => order < 0)
    case '<=':
      return (v) => compare(left(v), right(v), (order) => order <= 0)
    case '>':
      return (v) => compare(left(v), right(v), (order) => order > 0)
    case '>=':
      return (v) => compare(left(v), right(v), (order) => order >= 0)
    case 'in':
      return (v) => isIn(left(v), right(v))
    case '+':
      return (v) => add(left(v), right(v))
    case '-':
      return numeric(left, right, (a, b) => a - b)
    case '*':
      return numeric(left, right, (a, b) => a * b)
    case '/':
      return numeric(left, right, (a, b) => (b === 0 ? null : a / b))
    case '%':
      return numeric(left, right, (a, b) => (b === 0 ? null : a % b))
    case '===':
    case '!==':
      return fail(
        `use ${operator.slice(0, 2)} instead of ${operator}; comparisons never convert types`,
        operator,
      )
    default:
      return fail(`operator "${operator}" is not supported`, operator)
  }
}

function numeric(left: Evaluate, right: Evaluate, apply: (a: number, b: number) => number | null): Evaluate {
  return (variables) => {
    const a = left(variables)
    const b = right(variables)
    return typeof a === 'number' && typeof b === 'number' ? finite(apply(a, b)) : null
  }
}

function add(a: ExpressionValue, b: ExpressionValue): ExpressionValue {
  if (typeof a === 'string' || typeof b === 'string') return stringifyValue(a) + stringifyValue(b)
  return typeof a === 'number' && typeof b === 'number' ? finite(a + b) : null
}

function compare(a: ExpressionValue, b: ExpressionValue, test: (order: number) => boolean): boolean {
  if (typeof a === 'number' && typeof b === 'number') return test(a - b)
  if (typeof a === 'string' && typeof b === 'string') return test(a < b ? -1 : a > b ? 1 : 0)
  return false
}

function equals(a: ExpressionValue, b: ExpressionValue, depth: number): boolean {
  if (a === b) return true
  if (depth > MAX_EXPRESSION_DEPTH) return false
  if (Array.isArray(a) && Array.isArray(b)) {
    return (
      a.length === b.length && a.every((item, i) => equals(fromVariable(item), fromVariable(b[i]), depth + 1))
    )
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a)
    return (
      keys.length === Object.keys(b).length &&
      keys.every(
        (key) => Object.hasOwn(b, key) && equals(fromVariable(a[key]), fromVariable(b[key]), depth + 1),
      )
    )
  }
  return false
}

/** `needle in haystack`: an equal item of an array, or a substring of a string; false otherwise. */
function isIn(needle: ExpressionValue, haystack: ExpressionValue): boolean {
  if (Array.isArray(haystack)) return haystack.some((item) => equals(fromVariable(item), needle, 0))
  if (typeof haystack === 'string' && typeof needle === 'string') return haystack.includes(needle)
  return false
}

function staticKey(member: jsep.MemberExpression): string | number | undefined {
  const { property } = member
  if (!member.computed && property.type === 'Identifier') return (property as jsep.Identifier).name
  if (property.type === 'Literal') {
    const { value } = property as jsep.Literal
    if (typeof value === 'string' || typeof value === 'number') return value
  }
  return undefined
}

function readKey(target: ExpressionValue, key: ExpressionValue): ExpressionValue {
  if (Array.isArray(target)) {
    const index = typeof key === 'string' && /^\d+$/.test(key) ? Number(key) : key
    return typeof index === 'number' && Number.isInteger(index) && index >= 0
      ? fromVariable(target[index])
      : null
  }
  if (!isPlainObject(target) || (typeof key !== 'string' && typeof key !== 'number')) return null
  const name = String(key)
  return !FORBIDDEN_KEYS.has(name) && Object.hasOwn(target, name) ? fromVariable(target[name]) : null
}

/** Variables are JSON by contract; anything else (undefined, functions, class instances) reads as null. */
function fromVariable(value: unknown): ExpressionValue {
  if (value === null || value === undefined) return null
  if (typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') return finite(value)
  if (Array.isArray(value) || isPlainObject(value)) return value as ExpressionValue
  return null
}

function isPlainObject(value: unknown): value is ExpressionObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function finite(value: number | null): number | null {
  return value !== null && Number.isFinite(value) ? value : null
}

function length(value: ExpressionValue): number | null {
  if (value === null) return 0
  if (typeof value === 'string') return Array.from(value).length
  if (Array.isArray(value)) return value.length
  if (isPlainObject(value)) return Object.keys(value).length
  return null
}

function isEmpty(value: ExpressionValue): boolean {
  if (typeof value === 'string') return value.trim() === ''
  return value === null || length(value) === 0
}

function toNumber(value: ExpressionValue): number | null {
  if (typeof value === 'number') return value
  if (typeof value === 'boolean') return value ? 1 : 0
  if (typeof value === 'string' && value.trim() !== '') return finite(Number(value.trim()))
  return null
}

function round(value: ExpressionValue, digits: ExpressionValue): number | null {
  if (typeof value !== 'number' || typeof digits !== 'number') return null
  if (!Number.isInteger(digits) || digits < 0 || digits > 10) return null
  const magnitude = Math.abs(value)
  // Shifting through the decimal exponent avoids binary drift: round(1.005, 2) is 1.01, not 1.
  const rounded = String(magnitude).includes('e')
    ? Math.round(magnitude * 10 ** digits) / 10 ** digits
    : Number(`${Math.round(Number(`${magnitude}e${digits}`))}e-${digits}`)
  return finite(Math.sign(value) * rounded)
}

function extreme(args: ExpressionValue[], pick: (...values: number[]) => number): number | null {
  const values = args.flatMap((arg) => (Array.isArray(arg) ? arg.map(fromVariable) : [arg]))
  if (values.some((value) => value !== null && typeof value !== 'number')) return null
  const numbers = values.filter((value): value is number => typeof value === 'number')
  return numbers.length === 0 ? null : pick(...numbers)
}

function findNonPathNode(node: Node): Node | undefined {
  if (node.type === 'Identifier') return undefined
  if (node.type !== 'MemberExpression') return node
  const member = node as jsep.MemberExpression
  if (staticKey(member) === undefined) return member.property
  return findNonPathNode(member.object)
}

/** Best-effort source offset of a node for error messages (jsep does not record positions). */
function locate(source: string, at: Node | string | undefined): number {
  const needle = typeof at === 'string' ? at : at ? leadingText(at) : undefined
  if (!needle) return 0
  const escaped = needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const pattern = /^[\w$]+$/.test(needle)
    ? new RegExp(`(?<![\\w$])${escaped}(?![\\w$])`)
    : new RegExp(escaped)
  return Math.max(0, source.search(pattern))
}

function leadingText(node: Node): string | undefined {
  switch (node.type) {
    case 'Identifier':
      return (node as jsep.Identifier).name
    case 'Literal':
      return (node as jsep.Literal).raw
    case 'MemberExpression':
      return leadingText((node as jsep.MemberExpression).object)
    case 'CallExpression':
      return leadingText((node as jsep.CallExpression).callee)
    case 'BinaryExpression':
      return leadingText((node as jsep.BinaryExpression).left)
    case 'ConditionalExpression':
      return leadingText((node as jsep.ConditionalExpression).test)
    case 'UnaryExpression':
      return (node as jsep.UnaryExpression).operator
    case 'ArrayExpression':
      return '['
    default:
      return undefined
  }
}
