import { compileExpression } from '../expressions/evaluate-expression.ts'
import { templateErrors, templateReferences } from '../expressions/render-template.ts'
import { nodeExpressions, nodeTargets, nodeTemplates } from './flow-node-fields.ts'
import { type FlowEntry, type FlowProblem, messageOf, nodeFieldLocator } from './flow-problem.ts'

/**
 * Checks what a node points at: its target nodes, and the variables its expressions and templates read
 * (which must parse). Variables are checked only when `knownVariables` is given, that is when every
 * assignment in the flow could be seen.
 */
export function checkNodeReferences(
  entry: FlowEntry,
  ids: Set<string>,
  knownVariables: Set<string> | undefined,
): FlowProblem[] {
  const { node } = entry
  const at = nodeFieldLocator(entry)
  const problems: FlowProblem[] = []
  for (const { field, target } of nodeTargets(node)) {
    if (!ids.has(target)) {
      problems.push({
        code: 'missing_target',
        ...at(field),
        message: `target node "${target}" does not exist`,
      })
    }
  }
  const references: { field: string; name: string }[] = []
  for (const { field, source } of nodeExpressions(node)) {
    try {
      references.push(...compileExpression(source).references.map((name) => ({ field, name })))
    } catch (error) {
      problems.push({
        code: 'invalid_expression',
        ...at(field),
        message: `invalid expression: ${messageOf(error)}`,
      })
    }
  }
  for (const { field, text } of nodeTemplates(node)) {
    for (const error of templateErrors(text)) {
      const message = `invalid placeholder ${error.placeholder}: ${error.message}`
      problems.push({ code: 'invalid_template', ...at(field), message })
    }
    references.push(...templateReferences(text).map((name) => ({ field, name })))
  }
  if (knownVariables) {
    for (const { field, name } of references) {
      if (knownVariables.has(name)) continue
      const message = `unknown variable "${name}"; declare it in variables, or assign it with set, ask or a connection map`
      problems.push({ code: 'unknown_variable', ...at(field), message })
    }
  }
  return problems
}
