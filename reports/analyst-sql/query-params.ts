import { RESERVED_PARAM_PREFIX } from './analyst-schema.ts'
import { refuse } from './clickhouse-error.ts'

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/**
 * `param_<name>` values of the HTTP interface arrive in ClickHouse's escaped text form; the engine binds
 * scalars from plain values, so their escapes are undone. Composite values (arrays, maps, tuples) are SQL
 * literals and pass as written.
 */
export function readQueryParams(entries: Iterable<[string, string]>): Record<string, string> {
  const params: Record<string, string> = {}
  for (const [key, value] of entries) {
    if (!key.startsWith('param_')) continue
    const name = key.slice('param_'.length)
    if (!PARAM_NAME.test(name))
      throw refuse('BAD_QUERY_PARAMETER', `bad query parameter name ${JSON.stringify(name)}`)
    if (name.toLowerCase().startsWith(RESERVED_PARAM_PREFIX)) {
      throw refuse(
        'BAD_QUERY_PARAMETER',
        `query parameter names starting with ${RESERVED_PARAM_PREFIX} are reserved`,
      )
    }
    params[name] = unescapeParam(value)
  }
  return params
}

function unescapeParam(value: string): string {
  if (/^[[{(]/.test(value)) return value
  const escapes: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', '0': '\0' }
  return value.replace(/\\(.)/gs, (_, char: string) => escapes[char] ?? char)
}
