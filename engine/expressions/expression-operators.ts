import {
  type Evaluate,
  type ExpressionValue,
  finite,
  fromVariable,
  isPlainObject,
  isTruthy,
  stringifyValue,
} from './expression-value.ts'
import { type ExpressionNode, MAX_EXPRESSION_DEPTH } from './parse-expression.ts'

type Fail = (reason: string, at?: ExpressionNode | string) => never

/** The evaluator of a binary operator over its compiled operands; `fail` refuses an unsupported one. */
export function compileBinary(operator: string, left: Evaluate, right: Evaluate, fail: Fail): Evaluate {
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

/** `needle in haystack`: an equal item of an array, or a substring of a string; false otherwise. */
export function isIn(needle: ExpressionValue, haystack: ExpressionValue): boolean {
  if (Array.isArray(haystack)) return haystack.some((item) => equals(fromVariable(item), needle, 0))
  if (typeof haystack === 'string' && typeof needle === 'string') return haystack.includes(needle)
  return false
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
