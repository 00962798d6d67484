import type jsep from 'jsep'
import { EXPRESSION_FUNCTIONS, findFunction } from './expression-functions.ts'
import { compileBinary } from './expression-operators.ts'
import {
  type Evaluate,
  type ExpressionValue,
  type ExpressionVariables,
  finite,
  fromVariable,
  isPlainObject,
  isTruthy,
} from './expression-value.ts'
import {
  ExpressionError,
  type ExpressionNode,
  locateInSource,
  MAX_EXPRESSION_DEPTH,
  parseExpression,
} from './parse-expression.ts'

/**
 * The flow expression language (`condition` branches, `set` values, `goal` values), documented in
 * engine/FLOWS.md. jsep only parses; this module interprets the AST with a closed set of node types,
 * operators and functions, so nothing reaches JavaScript evaluation and every rule below is ours:
 * no implicit type coercion, missing paths read as null, no operation throws at run time.
 */

export { EXPRESSION_FUNCTIONS } from './expression-functions.ts'
export {
  type ExpressionObject,
  type ExpressionValue,
  type ExpressionVariables,
  isTruthy,
  stringifyValue,
} from './expression-value.ts'
export { ExpressionError, MAX_EXPRESSION_DEPTH, MAX_EXPRESSION_LENGTH } from './parse-expression.ts'

export interface CompiledExpression {
  readonly source: string
  /** Root variable names the expression reads, in order of first use (`order` for `order.status`). */
  readonly references: string[]
  evaluate(variables: ExpressionVariables): ExpressionValue
}

/** Keys that lead to prototypes; refused when written in the source, read as null when computed. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

/** Parses and checks `source`, returning an evaluator that never throws. Throws ExpressionError. */
export function compileExpression(source: string): CompiledExpression {
  const ast = parseExpression(source)
  const references: string[] = []
  const evaluate = compileNode(ast, { source, references, depth: 0 })
  return { source, references, evaluate }
}

/**
 * Compiles a bare variable path (`order.items[0].name`, `context.text`): identifiers, `.key` and
 * `[literal]` only. Templates use this; a path reads null wherever a step is missing.
 */
export function compilePath(source: string): CompiledExpression {
  const ast = parseExpression(source)
  const notAPath = findNonPathNode(ast)
  if (notAPath) {
    throw new ExpressionError(
      'only a variable path is allowed here, like order.items[0].name',
      locateInSource(source, notAPath),
    )
  }
  return compileExpression(source)
}

interface CompileContext {
  source: string
  references: string[]
  depth: number
}

function compileNode(node: ExpressionNode, context: CompileContext): Evaluate {
  const fail = (reason: string, at: ExpressionNode | string = node): never => {
    throw new ExpressionError(reason, locateInSource(context.source, at))
  }
  if (context.depth > MAX_EXPRESSION_DEPTH)
    fail(`expression is nested deeper than ${MAX_EXPRESSION_DEPTH} levels`)
  const child = (inner: ExpressionNode): Evaluate =>
    compileNode(inner, { ...context, depth: context.depth + 1 })

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
      const spec = findFunction(name)
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

function findNonPathNode(node: ExpressionNode): ExpressionNode | undefined {
  if (node.type === 'Identifier') return undefined
  if (node.type !== 'MemberExpression') return node
  const member = node as jsep.MemberExpression
  if (staticKey(member) === undefined) return member.property
  return findNonPathNode(member.object)
}
