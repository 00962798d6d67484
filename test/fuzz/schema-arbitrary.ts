import fc from 'fast-check'
import { FAR_DATES, hostileJsonValue, ODD_TIMEZONES, PROTOTYPE_NAMES, RawJson } from './hostile-values.ts'

/** The part of JSON Schema (as @fastify/swagger renders zod) the fuzzer reads. */
export interface JsonSchema {
  type?: string | string[]
  enum?: unknown[]
  const?: unknown
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  allOf?: JsonSchema[]
  format?: string
  pattern?: string
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
  items?: JsonSchema
  minItems?: number
  maxItems?: number
  properties?: Record<string, JsonSchema>
  required?: string[]
  additionalProperties?: boolean | JsonSchema
  default?: unknown
}

/** Values known to mean something to the server (seeded ids, metric names), by field or parameter name. */
export type Hints = Record<string, readonly unknown[]>

const MAX_DEPTH = 7

/** Fields whose in-range values can be arbitrarily expensive: only their hinted values are sent. */
const HINTS_ONLY = new Set(['visitors', 'days', 'now'])

/**
 * Values shaped like `schema` says, leaning on hints and edges (min, max, far dates, odd timezones),
 * so requests get past validation and reach the handlers.
 */
export function schemaValue(
  schema: JsonSchema | undefined,
  hints: Hints,
  name = '',
  depth = 0,
): fc.Arbitrary<unknown> {
  const fromSchema = plainSchemaValue(schema, hints, depth)
  const hinted = hints[name]
  if (!hinted || hinted.length === 0) return fromSchema
  if (HINTS_ONLY.has(name)) return fc.constantFrom(...hinted)
  return fc.oneof({ arbitrary: fc.constantFrom(...hinted), weight: 3 }, { arbitrary: fromSchema, weight: 1 })
}

function plainSchemaValue(
  schema: JsonSchema | undefined,
  hints: Hints,
  depth: number,
): fc.Arbitrary<unknown> {
  if (!schema || depth > MAX_DEPTH) return fc.jsonValue({ maxDepth: 2 })
  if (schema.const !== undefined) return fc.constant(schema.const)
  if (schema.enum && schema.enum.length > 0) return fc.constantFrom(...schema.enum)
  const alternatives = schema.anyOf ?? schema.oneOf
  if (alternatives && alternatives.length > 0)
    return fc.oneof(...alternatives.map((alternative) => plainSchemaValue(alternative, hints, depth + 1)))
  if (schema.allOf && schema.allOf.length > 0) return plainSchemaValue(schema.allOf[0], hints, depth + 1)
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type
  switch (type) {
    case 'string':
      return stringValue(schema)
    case 'integer':
    case 'number':
      return numberValue(schema, type === 'integer')
    case 'boolean':
      return fc.boolean()
    case 'null':
      return fc.constant(null)
    case 'array':
      return fc.array(schemaValue(schema.items, hints, '', depth + 1), {
        minLength: Math.min(schema.minItems ?? 0, 3),
        maxLength: Math.min(schema.maxItems ?? 3, 3),
      })
    case 'object':
      return objectValue(schema, hints, depth)
    default:
      return schema.properties ? objectValue(schema, hints, depth) : fc.jsonValue({ maxDepth: 2 })
  }
}

function objectValue(schema: JsonSchema, hints: Hints, depth: number): fc.Arbitrary<unknown> {
  const properties = schema.properties ?? {}
  const entries = Object.entries(properties)
  if (entries.length === 0) {
    const values = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined
    return fc.dictionary(
      fc.oneof(
        fc.constantFrom(...(hints.$key ?? ['flow', 'intent'])).map(String),
        fc.string({ maxLength: 8 }),
      ),
      schemaValue(values, hints, '', depth + 1),
      { maxKeys: 3 },
    )
  }
  const record = Object.fromEntries(
    entries.map(([key, value]) => [key, schemaValue(value, hints, key, depth + 1)]),
  ) as Record<string, fc.Arbitrary<unknown>>
  return fc.record(record, { requiredKeys: (schema.required ?? []).filter((key) => key in properties) })
}

const dateOnly = fc
  .date({ min: new Date('2000-01-01'), max: new Date('2040-12-31'), noInvalidDate: true })
  .map((date) => date.toISOString().slice(0, 10))

function stringValue(schema: JsonSchema): fc.Arbitrary<string> {
  if (schema.format === 'date')
    return fc.oneof(dateOnly, fc.constantFrom(...FAR_DATES.filter((d) => d.length === 10)))
  if (schema.format === 'date-time')
    return fc.oneof(
      fc
        .date({ min: new Date('2000-01-01'), max: new Date('2040-12-31'), noInvalidDate: true })
        .map((d) => d.toISOString()),
      fc.constantFrom('1970-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '2026-06-10T10:00:00+14:00'),
    )
  if (schema.format === 'uuid') return fc.uuid()
  if (schema.pattern) {
    try {
      return fc.stringMatching(new RegExp(schema.pattern)).filter((value) => fitsLength(schema, value))
    } catch {
      // a pattern fast-check cannot generate from: fall through to plain strings
    }
  }
  const minLength = schema.minLength ?? 0
  const maxLength = Math.min(schema.maxLength ?? 40, 40)
  return fc.oneof(
    fc.string({ minLength, maxLength: Math.max(minLength, maxLength) }),
    fc.constantFrom(...ODD_TIMEZONES, ...PROTOTYPE_NAMES).filter((value) => fitsLength(schema, value)),
    fc.constant('x'.repeat(schema.maxLength ?? 200)),
  )
}

const fitsLength = (schema: JsonSchema, value: string) =>
  value.length >= (schema.minLength ?? 0) && value.length <= (schema.maxLength ?? Number.POSITIVE_INFINITY)

function numberValue(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const min = schema.minimum ?? -1_000_000
  const max = Math.min(schema.maximum ?? 1_000_000, Number.MAX_SAFE_INTEGER)
  const edges = [min, max, Math.min(min + 1, max)].filter((n) => Number.isFinite(n))
  const inside = integer
    ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) })
    : fc.double({ min, max, noNaN: true, noDefaultInfinity: true })
  return fc.oneof({ arbitrary: inside, weight: 3 }, { arbitrary: fc.constantFrom(...edges), weight: 1 })
}

type Path = Array<string | number>

interface Mutation {
  kind: 'replace' | 'delete' | 'extra'
  at: number
  value: unknown
  key: string
}

const extraKeys = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'tenant_id',
  'tenantId',
  'extra',
  '',
)

/** One or two mutations of a value: a field replaced by a hostile value, deleted, or an extra field. */
export function mutatedValue(base: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const mutation: fc.Arbitrary<Mutation> = fc.record({
    kind: fc.constantFrom('replace', 'replace', 'delete', 'extra'),
    at: fc.nat(),
    value: hostileJsonValue(),
    key: extraKeys,
  })
  return fc
    .tuple(base, fc.array(mutation, { minLength: 1, maxLength: 2 }))
    .map(([value, mutations]) => mutations.reduce(applyMutation, cloneValue(value)))
}

function applyMutation(value: unknown, mutation: Mutation): unknown {
  const paths = pathsOf(value)
  const path = paths[mutation.at % paths.length] ?? []
  if (path.length === 0) {
    if (mutation.kind === 'replace') return mutation.value
    if (mutation.kind === 'extra' && isObject(value)) setOwn(value, mutation.key, mutation.value)
    return value
  }
  const parent = path
    .slice(0, -1)
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], value)
  const key = path[path.length - 1] as string | number
  if (Array.isArray(parent)) {
    if (mutation.kind === 'delete') parent.splice(Number(key), 1)
    else parent[Number(key)] = mutation.value
  } else if (isObject(parent)) {
    if (mutation.kind === 'delete') delete parent[String(key)]
    else if (mutation.kind === 'extra') setOwn(parent, mutation.key, mutation.value)
    else setOwn(parent, String(key), mutation.value)
  }
  return value
}

/** An own, enumerable property, so `__proto__` is sent as a key instead of changing the prototype. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof RawJson)

function pathsOf(value: unknown, path: Path = [], into: Path[] = []): Path[] {
  into.push(path)
  if (Array.isArray(value)) for (const [index, item] of value.entries()) pathsOf(item, [...path, index], into)
  else if (isObject(value))
    for (const [key, item] of Object.entries(value)) pathsOf(item, [...path, key], into)
  return into
}

function cloneValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cloneValue)
  if (isObject(value)) {
    const copy: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) setOwn(copy, key, cloneValue(item))
    return copy
  }
  return value
}
