import { describe, expect, it } from 'vitest'
import { boundedJson, CATALOG_CODE_PARAM, describeJsonProblem } from './bounded-json.ts'
import { MAX_JSON_BODY_DEPTH, nestsDeeperThan } from './json-body.ts'

const LIMITS = { maxKeys: 3, maxDepth: 3, maxBytes: 64 }

/** `{ a: { a: ... 1 } }` with `levels` objects, built without recursion. */
const nested = (levels: number): unknown => {
  let value: unknown = 1
  for (let level = 0; level < levels; level++) value = { a: value }
  return value
}

describe('describeJsonProblem', () => {
  it('accepts a value within every limit', () => {
    expect(describeJsonProblem({ a: [1, { b: 2 }], c: 'x' }, LIMITS, 'context')).toBeUndefined()
  })

  it('counts the value itself as level 1 and names the first path too deep', () => {
    expect(describeJsonProblem(nested(3), LIMITS, 'context')).toBeUndefined()
    expect(describeJsonProblem(nested(4), LIMITS, 'context')).toEqual({
      code: 'validation_failed',
      message: 'context nests deeper than 3 levels (at context.a.a.a)',
    })
    expect(describeJsonProblem({ ok: 1, list: [[[1]]] }, LIMITS, 'context')?.message).toBe(
      'context nests deeper than 3 levels (at context.list[0][0])',
    )
  })

  it('refuses a value nested 100,000 levels deep without overflowing the stack', () => {
    expect(describeJsonProblem(nested(100_000), LIMITS, 'context')?.code).toBe('validation_failed')
  })

  it('refuses too many keys as invalid, too many bytes as too large', () => {
    expect(describeJsonProblem({ a: 1, b: 2, c: 3, d: 4 }, LIMITS, 'values')).toEqual({
      code: 'validation_failed',
      message: 'values has 4 keys; at most 3 are accepted',
    })
    expect(describeJsonProblem({ a: 'é'.repeat(30) }, LIMITS, 'values')).toEqual({
      code: 'payload_too_large',
      message: 'values is 68 bytes as JSON; at most 64 are accepted',
    })
  })
})

describe('boundedJson', () => {
  const schema = boundedJson('context', LIMITS)

  it('passes a bounded object through and refuses non-objects', () => {
    expect(schema.parse({ a: 1 })).toEqual({ a: 1 })
    expect(schema.safeParse([1]).success).toBe(false)
  })

  it('marks a size refusal for the error handler (413) and leaves depth a plain validation issue', () => {
    const tooBig = schema.safeParse({ a: 'x'.repeat(100) }).error?.issues[0]
    expect(tooBig).toMatchObject({ code: 'custom', params: { [CATALOG_CODE_PARAM]: 'payload_too_large' } })
    const tooDeep = schema.safeParse(nested(5)).error?.issues[0]
    expect(tooDeep).toMatchObject({ params: { [CATALOG_CODE_PARAM]: 'validation_failed' } })
  })
})

describe('nestsDeeperThan', () => {
  it('counts objects and arrays opened at once', () => {
    expect(nestsDeeperThan('{"a":[{"b":[]}]}', 4)).toBe(false)
    expect(nestsDeeperThan('{"a":[{"b":[[]]}]}', 4)).toBe(true)
    expect(nestsDeeperThan('[[],[],[],[],[]]', 2)).toBe(false)
  })

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(nestsDeeperThan(`{"a":"${'['.repeat(100)}"}`, 1)).toBe(false)
    expect(nestsDeeperThan(`{"a":"\\"${'{'.repeat(100)}"}`, 1)).toBe(false)
    expect(nestsDeeperThan(`{"a":"\\\\",  "b":[[1]]}`, 2)).toBe(true)
  })

  it('reads 200,000 levels in one pass', () => {
    const text = `${'['.repeat(200_000)}${']'.repeat(200_000)}`
    expect(nestsDeeperThan(text, MAX_JSON_BODY_DEPTH)).toBe(true)
  })
})
