import { ANALYST_SCHEMA, type AnalystView, isAnalystView } from './analyst-schema.ts'
import { refuse } from './clickhouse-error.ts'
import type { ExplainNode } from './explain-tree.ts'

/** What an analyst's statement asks for, read from ClickHouse's own formatting of it (formatQuery). */
export type Statement = { format: string | undefined } & (
  | { kind: 'select'; body: string }
  | { kind: 'show_tables' }
  | { kind: 'show_databases' }
  | { kind: 'describe'; view: AnalystView }
)

const DESCRIBE = /^DESCRIBE TABLE (?:analytics_v1\.)?([a-z_]+)$/
const TRAILING_FORMAT = /\nFORMAT ([A-Za-z][A-Za-z0-9]*)$/
/** Output formats only serialise rows (none reads a schema or template file from the server). */
const OUTPUT_FORMAT =
  /^(TabSeparated|TSV|CSV|JSON|Values|Pretty|Vertical|Markdown|XML|RowBinary|Native|Parquet|Arrow|ORC|Avro|Null|LineAsString|BSONEachRow|MsgPack|SQLInsert|Raw)[A-Za-z0-9]*$/

/**
 * Sorts the catalog questions GUI clients ask (SHOW TABLES, SHOW DATABASES, DESCRIBE TABLE of a view) from
 * a SELECT, whose trailing FORMAT is taken off and answered by the endpoint. Whether the rest is one read-only
 * SELECT is ClickHouse's to say (checkSelectAst).
 */
export function classifyStatement(normalized: string): Statement {
  const format = TRAILING_FORMAT.exec(normalized)?.[1]
  if (format !== undefined && !OUTPUT_FORMAT.test(format)) {
    throw refuse('UNKNOWN_FORMAT', `Format ${format} is not available to analysts`)
  }
  const body = format === undefined ? normalized : normalized.slice(0, -`\nFORMAT ${format}`.length)
  if (body === 'SHOW TABLES' || body === `SHOW TABLES FROM ${ANALYST_SCHEMA}`)
    return { kind: 'show_tables', format }
  if (body === 'SHOW DATABASES') return { kind: 'show_databases', format }
  const describe = DESCRIBE.exec(body)
  if (describe) {
    const view = describe[1] as string
    if (!isAnalystView(view))
      throw refuse('UNKNOWN_TABLE', `Table ${view} does not exist in ${ANALYST_SCHEMA}`)
    return { kind: 'describe', view, format }
  }
  return { kind: 'select', body, format }
}

export const isOutputFormat = (format: string): boolean => OUTPUT_FORMAT.test(format)

/**
 * The AST of the SELECT (EXPLAIN AST, which ClickHouse only admits in a subquery for SELECT statements):
 * a union of selects with no FORMAT, INTO OUTFILE or SETTINGS anywhere.
 */
export function checkSelectAst(ast: ExplainNode): void {
  if (ast.label.split(' ')[0] !== 'SelectWithUnionQuery') throw notReadOnly()
  const [selects, ...rest] = ast.children
  if (selects?.label.split(' ')[0] !== 'ExpressionList' || rest.length > 0) {
    throw refuse('READONLY', 'FORMAT must end the query, and INTO OUTFILE is not allowed')
  }
  refuseSettings(ast)
}

function refuseSettings(node: ExplainNode): void {
  if (node.label === 'Set' || node.label.startsWith('Set ')) {
    throw refuse('READONLY', 'Cannot modify settings in readonly mode: SETTINGS clauses are not allowed')
  }
  for (const child of node.children) refuseSettings(child)
}

export const notReadOnly = () =>
  refuse(
    'READONLY',
    'Cannot execute this statement in readonly mode: analysts may run SELECT (WITH, UNION), SHOW TABLES and DESCRIBE TABLE only',
  )
