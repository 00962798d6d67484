import { refuse } from './clickhouse-error.ts'

/**
 * ClickHouse prints EXPLAIN output one node per line with names verbatim, so a name holding a line break
 * would split a line and could forge nodes. In ClickHouse's own formatting of the query (formatQuery:
 * strings in single quotes, identifiers in back quotes, both with backslash escapes), any escape or control
 * character inside a quoted identifier is refused; string literals may hold anything.
 */
export function refuseUnprintableIdentifiers(normalized: string): void {
  let quote: "'" | '`' | undefined
  for (let i = 0; i < normalized.length; i += 1) {
    const char = normalized[i] as string
    if (quote === undefined) {
      if (char === "'" || char === '`') quote = char
      continue
    }
    if (quote === '`' && (char === '\\' || char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f)) {
      throw refuse('SYNTAX_ERROR', 'quoted names may not contain escapes or control characters')
    }
    if (char === '\\') i += 1
    else if (char === quote) quote = undefined
  }
}
