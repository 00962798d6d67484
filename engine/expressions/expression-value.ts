/** The values expressions work on, and the conversions every operator and function shares. */

export type ExpressionValue = null | boolean | number | string | ExpressionValue[] | ExpressionObject
export interface ExpressionObject {
  [key: string]: ExpressionValue
}
/** Variables by root name; the interpreter passes the flow's variables plus the `context` root. */
export type ExpressionVariables = Readonly<Record<string, unknown>>
/** A compiled (sub)expression. */
export type Evaluate = (variables: ExpressionVariables) => ExpressionValue

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

/** Variables are JSON by contract; anything else (undefined, functions, class instances) reads as null. */
export function fromVariable(value: unknown): ExpressionValue {
  if (value === null || value === undefined) return null
  if (typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') return finite(value)
  if (Array.isArray(value) || isPlainObject(value)) return value as ExpressionValue
  return null
}

export function isPlainObject(value: unknown): value is ExpressionObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

export function finite(value: number | null): number | null {
  return value !== null && Number.isFinite(value) ? value : null
}
