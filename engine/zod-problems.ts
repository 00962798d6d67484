import type { z } from 'zod'

export interface DocumentProblem {
  /** Dotted path into the document (`quickQuestions.0.intent`); '' for the document itself. */
  path: string
  message: string
}

/** A zod error as the list of problems a `validation_failed` answer carries. */
export function zodProblems(error: z.ZodError): DocumentProblem[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }))
}
