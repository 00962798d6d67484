import type { FlowNode, FormField } from '../flows/flow-schema.ts'

export interface FieldError {
  field: string
  message: string
}

export type AnswerResult =
  | { ok: true; variables: Record<string, unknown> }
  | { ok: false; errors: FieldError[] }

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const PHONE = /^\+?[0-9 ().-]{6,20}$/
const DATE = /^\d{4}-\d{2}-\d{2}$/

/** Checks the values a widget sends against the `ask` node it waits on; every bad field is reported. */
export function validateAnswer(
  node: Extract<FlowNode, { type: 'ask' }>,
  values: Record<string, unknown>,
): AnswerResult {
  const { input } = node
  if (input.kind === 'buttons') {
    const value = values[input.variable]
    if (!input.options.some((option) => option.value === value)) {
      const allowed = input.options.map((option) => option.value).join(', ')
      return { ok: false, errors: [{ field: input.variable, message: `expected one of: ${allowed}` }] }
    }
    return { ok: true, variables: { [input.variable]: value } }
  }
  const errors: FieldError[] = []
  const variables: Record<string, unknown> = {}
  const known = new Set(input.fields.map((field) => field.name))
  for (const name of Object.keys(values))
    if (!known.has(name)) errors.push({ field: name, message: 'not a field of this form' })
  for (const field of input.fields) {
    const value = values[field.name]
    if (
      value === undefined ||
      value === null ||
      value === '' ||
      (Array.isArray(value) && value.length === 0)
    ) {
      if (field.required) errors.push({ field: field.name, message: 'is required' })
      else variables[field.name] = null
      continue
    }
    const problem = checkField(field, value)
    if (problem) errors.push({ field: field.name, message: problem })
    else variables[field.name] = field.type === 'number' ? Number(value) : value
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, variables }
}

function checkField(field: FormField, value: unknown): string | undefined {
  const options = field.options?.map((option) => option.value) ?? []
  switch (field.type) {
    case 'text':
    case 'file':
      if (typeof value !== 'string') return 'expected text'
      if (field.min !== undefined && value.length < field.min)
        return `expected at least ${field.min} characters`
      if (value.length > (field.max ?? 5_000)) return `expected at most ${field.max ?? 5_000} characters`
      return undefined
    case 'email':
      return typeof value === 'string' && EMAIL.test(value) && value.length <= 254
        ? undefined
        : 'expected an email address'
    case 'phone':
      return typeof value === 'string' && PHONE.test(value) ? undefined : 'expected a phone number'
    case 'number': {
      const number =
        typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN
      if (!Number.isFinite(number)) return 'expected a number'
      if (field.min !== undefined && number < field.min) return `expected at least ${field.min}`
      if (field.max !== undefined && number > field.max) return `expected at most ${field.max}`
      return undefined
    }
    case 'select':
      return typeof value === 'string' && options.includes(value)
        ? undefined
        : `expected one of: ${options.join(', ')}`
    case 'multi_select':
      return Array.isArray(value) && value.every((item) => typeof item === 'string' && options.includes(item))
        ? undefined
        : `expected a list of: ${options.join(', ')}`
    case 'checkbox':
      return typeof value === 'boolean' ? undefined : 'expected true or false'
    case 'date':
      return typeof value === 'string' && DATE.test(value) && !Number.isNaN(Date.parse(value))
        ? undefined
        : 'expected a date as YYYY-MM-DD'
  }
}
