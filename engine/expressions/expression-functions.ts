import { isIn } from './expression-operators.ts'
import {
  type ExpressionValue,
  finite,
  fromVariable,
  isPlainObject,
  stringifyValue,
} from './expression-value.ts'

/** The built-in functions, the only calls an expression may make. */

export interface FunctionSpec {
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

/** The built-in function called `name`; undefined for any other name, inherited ones included. */
export function findFunction(name: string): FunctionSpec | undefined {
  return Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined
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
