import { type FieldError, isPlainObject, PROP_FIELDS } from './event-envelope.ts'
import {
  CUSTOM_NAME,
  EVENT_TYPE_RULES,
  type EventTypeRule,
  type RuleField,
  type RuleType,
} from './event-type-rules.ts'

/** Checks an event against the rule of its type: the type is known, and its required fields are there. */
export function checkTypeRules(event: Record<string, unknown>): FieldError[] {
  if (typeof event.type !== 'string') return []
  const ruleType = findRuleType(event.type)
  if (!ruleType) return [{ path: 'type', reason: describeUnknownType(event.type) }]
  const rule: EventTypeRule = EVENT_TYPE_RULES[ruleType]
  const props = isPlainObject(event.props) ? event.props : {}
  const errors: FieldError[] = []
  for (const field of rule.required) {
    if (fieldValue(event, props, field) === undefined) {
      errors.push({ path: field, reason: `required for ${ruleType} events` })
    }
  }
  for (const field of [...rule.required, ...(rule.optional ?? [])]) {
    if (!field.startsWith('props.')) continue
    const value = fieldValue(event, props, field)
    const result = PROP_FIELDS[field.slice(6) as keyof typeof PROP_FIELDS].safeParse(value)
    if (value !== undefined && !result.success) {
      errors.push({ path: field, reason: result.error.issues[0]?.message ?? 'invalid' })
    }
  }
  if (event.value !== undefined && event.currency === undefined) {
    errors.push({ path: 'currency', reason: 'currency is required whenever value is given' })
  }
  return errors
}

function findRuleType(type: string): RuleType | undefined {
  if (Object.hasOwn(EVENT_TYPE_RULES, type)) return type as RuleType
  const dot = type.indexOf('.')
  const family = `${type.slice(0, dot)}.<name>`
  if (dot > 0 && Object.hasOwn(EVENT_TYPE_RULES, family) && CUSTOM_NAME.test(type.slice(dot + 1))) {
    return family as RuleType
  }
  return undefined
}

function describeUnknownType(type: string): string {
  const known = Object.keys(EVENT_TYPE_RULES).join(', ')
  return `unknown event type "${type.slice(0, 100)}": expected one of ${known}, where <name> matches ${CUSTOM_NAME.source}`
}

function fieldValue(
  event: Record<string, unknown>,
  props: Record<string, unknown>,
  field: RuleField,
): unknown {
  return field.startsWith('props.') ? props[field.slice(6)] : event[field]
}
