import jsep from 'jsep'

// jsep keeps its operator tables in module-level statics; this module is the only jsep parser in the
// process, so it configures them once here. Word operators get the precedence of their symbol twins.
jsep.addBinaryOp('or', 1)
jsep.addBinaryOp('and', 2)
jsep.addBinaryOp('in', 7)
jsep.addUnaryOp('not')

export const MAX_EXPRESSION_LENGTH = 1_000
/** Deepest AST nesting accepted; there are no loops, so depth bounds the evaluation work. */
export const MAX_EXPRESSION_DEPTH = 40

export type ExpressionNode = jsep.Expression

export class ExpressionError extends Error {
  override readonly name = 'ExpressionError'
  /** @param position zero-based offset in the source; the message shows it one-based as a column. */
  constructor(
    readonly reason: string,
    readonly position: number,
  ) {
    super(`${reason} (at column ${position + 1})`)
  }
}

/** The syntax tree of `source`, with jsep's errors rephrased for flow authors. Throws ExpressionError. */
export function parseExpression(source: string): ExpressionNode {
  if (source.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionError(
      `expression is longer than ${MAX_EXPRESSION_LENGTH} characters`,
      MAX_EXPRESSION_LENGTH,
    )
  }
  if (source.trim() === '') throw new ExpressionError('expression is empty', 0)
  try {
    return jsep(source)
  } catch (error) {
    if (error instanceof RangeError) throw new ExpressionError('expression is nested too deeply', 0)
    const { description, index } = error as { description?: string; index?: number }
    const position = typeof index === 'number' ? Math.max(0, Math.min(index, source.length - 1)) : 0
    if (description === 'Unexpected "="') {
      throw new ExpressionError('assignment is not allowed; compare with ==', position)
    }
    throw new ExpressionError(description ?? String(error), position)
  }
}

/** Best-effort source offset of a node for error messages (jsep does not record positions). */
export function locateInSource(source: string, at: ExpressionNode | string | undefined): number {
  const needle = typeof at === 'string' ? at : at ? leadingText(at) : undefined
  if (!needle) return 0
  const escaped = needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const pattern = /^[\w$]+$/.test(needle)
    ? new RegExp(`(?<![\\w$])${escaped}(?![\\w$])`)
    : new RegExp(escaped)
  return Math.max(0, source.search(pattern))
}

function leadingText(node: ExpressionNode): string | undefined {
  switch (node.type) {
    case 'Identifier':
      return (node as jsep.Identifier).name
    case 'Literal':
      return (node as jsep.Literal).raw
    case 'MemberExpression':
      return leadingText((node as jsep.MemberExpression).object)
    case 'CallExpression':
      return leadingText((node as jsep.CallExpression).callee)
    case 'BinaryExpression':
      return leadingText((node as jsep.BinaryExpression).left)
    case 'ConditionalExpression':
      return leadingText((node as jsep.ConditionalExpression).test)
    case 'UnaryExpression':
      return (node as jsep.UnaryExpression).operator
    case 'ArrayExpression':
      return '['
    default:
      return undefined
  }
}
