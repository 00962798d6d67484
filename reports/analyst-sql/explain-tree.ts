import { refuse } from './clickhouse-error.ts'

/** One line of ClickHouse's EXPLAIN AST / EXPLAIN QUERY TREE output, with the lines indented under it. */
export interface ExplainNode {
  label: string
  children: ExplainNode[]
}

/**
 * Rebuilds the tree ClickHouse printed, one node per line, nesting by indentation (`unit` spaces a level).
 * A line that does not nest exactly one level below an earlier one means the dump is not what ClickHouse
 * prints for a query we accept (a name with a line break in it splits a line), so the query is refused.
 */
export function parseExplainTree(lines: readonly string[], unit: number): ExplainNode {
  const root: ExplainNode = { label: '', children: [] }
  const stack: ExplainNode[] = [root]
  for (const line of lines) {
    if (line.trim() === '') continue
    const indent = line.length - line.trimStart().length
    if (indent % unit !== 0) throw unreadable()
    const depth = indent / unit + 1
    if (depth > stack.length) throw unreadable()
    stack.length = depth
    const node: ExplainNode = { label: line.trim(), children: [] }
    ;(stack[depth - 1] as ExplainNode).children.push(node)
    stack.push(node)
  }
  if (root.children.length !== 1) throw unreadable()
  return root.children[0] as ExplainNode
}

const unreadable = () => refuse('SYNTAX_ERROR', 'the query could not be analysed')

/** The value of `key: value` in a QUERY TREE label, when the key appears exactly once. */
export function attribute(label: string, key: string): string | undefined {
  const marker = `${key}: `
  const parts = label.split(marker)
  if (parts.length !== 2) return undefined
  const rest = parts[1] as string
  const end = rest.indexOf(', ')
  return end === -1 ? rest : rest.slice(0, end)
}

/** The node kind: the label's first words before ` id:` (QUERY TREE) or `(`/space (AST). */
export const kindOf = (label: string): string => label.replace(/ id: .*$/, '').trim()
