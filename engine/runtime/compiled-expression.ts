import {
  type CompiledExpression,
  compileExpression,
  type ExpressionValue,
} from '../expressions/evaluate-expression.ts'

const cache = new Map<string, CompiledExpression>()
const MAX_ENTRIES = 5_000

/** Flow versions are immutable, so an expression's compiled form is reused across turns. */
export function evaluate(source: string, variables: Readonly<Record<string, unknown>>): ExpressionValue {
  let compiled = cache.get(source)
  if (!compiled) {
    if (cache.size >= MAX_ENTRIES) cache.clear()
    compiled = compileExpression(source)
    cache.set(source, compiled)
  }
  return compiled.evaluate(variables)
}
