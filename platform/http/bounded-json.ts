import { z } from 'zod'
import type { ErrorCode } from '../errors/catalog.ts'

export interface JsonLimits {
  /** Levels of objects and arrays, the value itself being level 1. */
  maxDepth: number
  /** Size of the value as UTF-8 JSON text. */
  maxBytes: number
  /** Keys of the value itself (nested keys are bounded by the depth and size). */
  maxKeys: number
}

export interface JsonProblem {
  /** Too deep or too many keys: `validation_failed`; too big: `payload_too_large`. */
  code: Extract<ErrorCode, 'validation_failed' | 'payload_too_large'>
  message: string
}

/**
 * What makes `value` exceed `limits`, named as `name`, or undefined. The depth walk is iterative and
 * runs first, so a value nested thousands deep is refused before anything recursive (JSON.stringify
 * for the size) touches it.
 */
export function describeJsonProblem(
  value: unknown,
  limits: JsonLimits,
  name: string,
): JsonProblem | undefined {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value).length
    if (keys > limits.maxKeys) {
      return {
        code: 'validation_failed',
        message: `${name} has ${keys} keys; at most ${limits.maxKeys} are accepted`,
      }
    }
  }
  const deep = findTooDeep(value, limits.maxDepth, name)
  if (deep !== undefined) {
    return {
      code: 'validation_failed',
      message: `${name} nests deeper than ${limits.maxDepth} levels (at ${deep})`,
    }
  }
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? '')
  if (bytes > limits.maxBytes) {
    return {
      code: 'payload_too_large',
      message: `${name} is ${bytes} bytes as JSON; at most ${limits.maxBytes} are accepted`,
    }
  }
  return undefined
}

/** The path of the first object or array nested deeper than `maxDepth` (the root being level 1). */
function findTooDeep(root: unknown, maxDepth: number, rootPath: string): string | undefined {
  const pending: Array<[unknown, number, string]> = [[root, 1, rootPath]]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, depth, path] = next
    if (typeof value !== 'object' || value === null) continue
    if (depth > maxDepth) return path
    const entries = Object.entries(value)
    // Pushed in reverse so the first offending path in document order is the one reported.
    for (let index = entries.length - 1; index >= 0; index--) {
      const [key, child] = entries[index] as [string, unknown]
      pending.push([child, depth + 1, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`])
    }
  }
  return undefined
}

/** Marks a zod issue for the error handler: answer it with this catalog code rather than validation_failed. */
export const CATALOG_CODE_PARAM = 'catalogCode'

/**
 * A free-form JSON object field (`context`, form `values`, ...) bounded in keys, depth and size, named
 * `name` in the messages. Too deep or too many keys answers 400 `validation_failed`; too big answers
 * 413 `payload_too_large` (see toAppError).
 */
export function boundedJson(name: string, limits: JsonLimits) {
  return z.record(z.string(), z.unknown()).superRefine((value, context) => {
    const problem = describeJsonProblem(value, limits, name)
    if (problem) {
      context.addIssue({
        code: 'custom',
        message: problem.message,
        params: { [CATALOG_CODE_PARAM]: problem.code },
      })
    }
  })
}
