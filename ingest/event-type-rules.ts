import type { PROP_FIELDS } from './event-envelope.ts'

/** The `<name>` of `goal.<name>` and `custom.<name>` events. */
export const CUSTOM_NAME = /^[a-z0-9][a-z0-9_.-]{0,63}$/

export type RuleField =
  | 'anonymous_id'
  | 'chat_session_id'
  | 'block_id'
  | 'customer_id'
  | 'url'
  | 'value'
  | 'currency'
  | `props.${keyof typeof PROP_FIELDS}`

export interface EventTypeRule {
  readonly required: readonly RuleField[]
  /** Where these fields are meaningful; well-known props listed here are validated when present. */
  readonly optional?: readonly RuleField[]
  readonly meaning: string
}

const MONEY: readonly RuleField[] = ['value', 'currency']

/**
 * The one table of event types, keyed by type (`<prefix>.<name>` for a family of tenant-named types):
 * validation, EVENTS.md and the README all come from it.
 */
export const EVENT_TYPE_RULES = {
  'widget.loaded': { required: ['anonymous_id'], meaning: 'The widget loaded on a page.' },
  'widget.opened': { required: ['anonymous_id'], meaning: 'The visitor opened the widget.' },
  'widget.closed': { required: ['anonymous_id'], meaning: 'The visitor closed the widget.' },
  'quick_question.clicked': {
    required: ['anonymous_id', 'props.question_id'],
    optional: ['props.question_text'],
    meaning: 'The visitor clicked a quick question.',
  },
  'message.sent': {
    required: ['anonymous_id', 'chat_session_id'],
    meaning: 'The visitor sent a chat message.',
  },
  'block.rendered': { required: ['chat_session_id', 'block_id'], meaning: 'A flow block was shown.' },
  'form.submitted': {
    required: ['chat_session_id', 'props.form_id'],
    meaning: 'The visitor submitted a form.',
  },
  'page.viewed': { required: ['anonymous_id', 'url'], meaning: 'A page view.' },
  'product.viewed': {
    required: ['anonymous_id', 'props.product_id'],
    optional: MONEY,
    meaning: 'A product page view; value is the price.',
  },
  'cart.added': {
    required: ['anonymous_id', 'props.product_id', ...MONEY],
    optional: ['props.quantity'],
    meaning: 'A product was added to the cart; value is the line total.',
  },
  'checkout.started': { required: ['anonymous_id'], optional: MONEY, meaning: 'Checkout began.' },
  purchase: {
    required: ['anonymous_id', 'props.order_id', ...MONEY],
    meaning: 'An order was placed; value is the order total.',
  },
  identify: {
    required: ['anonymous_id', 'customer_id'],
    meaning: 'Links the anonymous visitor to a customer id.',
  },
  'goal.<name>': { required: ['anonymous_id'], optional: MONEY, meaning: 'A tenant-defined goal.' },
  'custom.<name>': { required: ['anonymous_id'], optional: MONEY, meaning: 'Any other tenant event.' },
} as const satisfies Record<string, EventTypeRule>

export type RuleType = keyof typeof EVENT_TYPE_RULES
type FamilyType<T> = T extends `${infer Prefix}.<name>` ? `${Prefix}.${string}` : never
export type EventType = Exclude<RuleType, `${string}.<name>`> | FamilyType<RuleType>

/**
 * The per-type table as Markdown, embedded verbatim in ingest/EVENTS.md (a test keeps them equal).
 * Columns are padded so the table also reads well as plain text.
 */
export function describeEventTypes(): string {
  const list = (fields: readonly string[]) => (fields.length ? fields.map((f) => `\`${f}\``).join(', ') : '—')
  const rows = [
    ['type', 'required', 'optional', 'meaning'],
    ...Object.entries(EVENT_TYPE_RULES).map(([type, rule]: [string, EventTypeRule]) => [
      `\`${type}\``,
      list(rule.required),
      list(rule.optional ?? []),
      rule.meaning,
    ]),
  ]
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? []
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`
  const [header = [], ...body] = rows
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n')
}
