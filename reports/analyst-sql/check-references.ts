import { ANALYST_SCHEMA, isAnalystView } from './analyst-schema.ts'
import { refuse } from './clickhouse-error.ts'
import { attribute, type ExplainNode, kindOf } from './explain-tree.ts'

/** Table functions that read nothing stored: generated rows and literals. */
const TABLE_FUNCTIONS = new Set([
  'numbers',
  'numbers_mt',
  'zeros',
  'zeros_mt',
  'generate_series',
  'generateseries',
  'values',
])

/**
 * Functions that reach outside the query's tables (dictionaries, Join tables, files, the server's
 * configuration) or only stall a thread. Matched case-insensitively, aliases included.
 */
const DENIED_FUNCTIONS = [
  /^dict/,
  /^joinget/,
  /^file$/,
  /^hascolumnintable$/,
  /^getmacro$/,
  /^getclienthttpheader$/,
  /^getserversetting$/,
  /^getmergetreesetting$/,
  /^catboostevaluate$/,
  /^modelevaluate$/,
  /^naivebayesclassifier$/,
  /^address(to|_)/,
  /^demangle$/,
  /^sleep(eachrow)?$/,
  /^__/,
]

const IN_FUNCTIONS = new Set([
  'in',
  'notin',
  'globalin',
  'globalnotin',
  'nullin',
  'notnullin',
  'globalnullin',
  'globalnotnullin',
])
const TABLE_POSITIONS = new Set([
  'JOIN TREE',
  'LEFT TABLE EXPRESSION',
  'RIGHT TABLE EXPRESSION',
  'TABLE EXPRESSION',
])
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/

/**
 * Walks ClickHouse's query tree of the analyst's SELECT, before analysis (EXPLAIN QUERY TREE run_passes = 0:
 * nothing is resolved or executed yet), and refuses anything that could read outside the analyst schema.
 * Every table reference must be an analyst view (`events` or `analytics_v1.events`), a CTE of an enclosing
 * query, or `system.one`; every table function must be a row generator; no denied function; no SETTINGS.
 * The views named here are, when the query runs, CTEs reading the tenant-scoped views (scope-query.ts).
 */
export function checkReferences(tree: ExplainNode): void {
  visit(tree, undefined, new Set())
}

function visit(node: ExplainNode, parent: ExplainNode | undefined, ctes: ReadonlySet<string>): void {
  const kind = kindOf(node.label)
  if (kind.startsWith('SETTINGS')) {
    throw refuse('READONLY', 'Cannot modify settings in readonly mode: SETTINGS clauses are not allowed')
  }
  let visible = ctes
  if (kind === 'QUERY' || kind === 'UNION') visible = withCtes(node, ctes)
  if (kind === 'IDENTIFIER' && parent && TABLE_POSITIONS.has(parent.label)) checkTable(node, visible)
  if (kind === 'TABLE_FUNCTION') checkTableFunction(node)
  if (kind === 'FUNCTION') checkFunction(node, visible)
  for (const child of node.children) visit(child, node, visible)
}

/** The CTE names a query defines are visible in it and every query nested in it. */
function withCtes(query: ExplainNode, outer: ReadonlySet<string>): ReadonlySet<string> {
  const section = query.children.find((child) => child.label === 'WITH')
  if (!section) return outer
  const names = new Set(outer)
  for (const list of section.children) {
    for (const item of list.children) {
      const name = attribute(item.label, 'cte_name')
      if (name !== undefined) names.add(name)
    }
  }
  return names
}

function checkTable(node: ExplainNode, ctes: ReadonlySet<string>): void {
  const name = attribute(node.label, 'identifier')
  if (name === undefined || !PLAIN_NAME.test(name)) {
    throw refuse('UNKNOWN_TABLE', 'table names may use letters, digits and underscores only')
  }
  if (ctes.has(name) || name === 'system.one') return
  const [first, second] = name.split('.')
  if (second === undefined && isAnalystView(first as string)) return
  if (first === ANALYST_SCHEMA && second !== undefined && isAnalystView(second)) return
  if (second === undefined) {
    throw refuse(
      'UNKNOWN_TABLE',
      `Table ${name} does not exist in ${ANALYST_SCHEMA}: SHOW TABLES lists the analyst views`,
    )
  }
  throw refuse(
    'ACCESS_DENIED',
    `Not enough privileges to read ${name}: analysts read the views of ${ANALYST_SCHEMA} only`,
  )
}

function checkTableFunction(node: ExplainNode): void {
  const name = attribute(node.label, 'table_function_name') ?? ''
  if (!TABLE_FUNCTIONS.has(name.toLowerCase())) {
    throw refuse(
      'ACCESS_DENIED',
      `Not enough privileges to use the table function ${name}: allowed are numbers, zeros, generate_series and values`,
    )
  }
}

function checkFunction(node: ExplainNode, ctes: ReadonlySet<string>): void {
  const name = attribute(node.label, 'function_name') ?? ''
  const lower = name.toLowerCase()
  if (name === '' || DENIED_FUNCTIONS.some((pattern) => pattern.test(lower))) {
    throw refuse('ACCESS_DENIED', `Not enough privileges to call ${name || 'this function'} from analyst SQL`)
  }
  // `x IN t` names a table by its bare identifier.
  if (IN_FUNCTIONS.has(lower)) {
    const operand = node.children.find((child) => child.label === 'ARGUMENTS')?.children[0]?.children[1]
    if (operand && kindOf(operand.label) === 'IDENTIFIER') checkTable(operand, ctes)
  }
}
