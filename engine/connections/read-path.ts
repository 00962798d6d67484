/**
 * Response paths: how a connection node's `map` picks values out of a JSON response.
 *
 * | path                 | reads                                                         |
 * | -------------------- | ------------------------------------------------------------- |
 * | `$`                  | the whole response body                                       |
 * | `order.status`       | property `status` of property `order`                         |
 * | `$.order.status`     | the same (`$.` is an optional prefix)                         |
 * | `items[0].name`      | `name` of the first element of `items`                        |
 * | `items[-1]`          | the last element (`-2` the one before it, ...)                 |
 * | `[0].id`, `$[0].id`  | `id` of the first element when the body itself is an array     |
 * | `data.items[0][1]`   | indexes can be chained                                         |
 *
 * Property names are letters, digits, `_` and `-` (other keys are not reachable). A path that
 * does not match the body (a missing property, an index out of range, a property of a string...)
 * reads as `null`. `__proto__`, `constructor` and `prototype` are refused, and only the body's own
 * properties are read. Paths are at most 200 characters.
 */
export type JsonPath = ReadonlyArray<string | number>

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype'])
const SEGMENT = /^([A-Za-z0-9_-]*)((?:\[-?\d+\])*)$/

export class PathSyntaxError extends Error {
  constructor(path: string, reason: string) {
    super(`invalid response path "${path}": ${reason}`)
    this.name = 'PathSyntaxError'
  }
}

/** Parses a path into property names and indexes; throws PathSyntaxError. Use it to validate at save time. */
export function parsePath(path: string): JsonPath {
  if (path.length === 0 || path.length > 200) throw new PathSyntaxError(path, 'expected 1-200 characters')
  let rest = path
  if (rest === '$') return []
  if (rest.startsWith('$.')) rest = rest.slice(2)
  else if (rest.startsWith('$[')) rest = rest.slice(1)
  const steps: Array<string | number> = []
  for (const [position, part] of rest.split('.').entries()) {
    const match = SEGMENT.exec(part)
    if (!match) throw new PathSyntaxError(path, `cannot read "${part}"`)
    const [, name = '', indexes = ''] = match
    if (name === '' && (indexes === '' || position > 0))
      throw new PathSyntaxError(path, 'empty property name')
    if (FORBIDDEN.has(name)) throw new PathSyntaxError(path, `"${name}" is not allowed`)
    if (name !== '') steps.push(name)
    for (const index of indexes.matchAll(/\[(-?\d+)\]/g)) steps.push(Number(index[1]))
  }
  return steps
}

/** The value at `path` in `json`, or null when the body has nothing there. */
export function readPath(json: unknown, path: string | JsonPath): unknown {
  let current: unknown = json
  for (const step of typeof path === 'string' ? parsePath(path) : path) {
    if (typeof step === 'number') {
      if (!Array.isArray(current)) return null
      current = current[step < 0 ? current.length + step : step]
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current)) return null
      if (FORBIDDEN.has(step) || !Object.hasOwn(current, step)) return null
      current = (current as Record<string, unknown>)[step]
    }
    if (current === undefined) return null
  }
  return current ?? null
}
