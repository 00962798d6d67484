import type { FormField } from '../flows/flow-schema.ts'
import type { Block, ConversationEntry } from './execution.ts'
import type { NodeOf } from './node-outcome.ts'

/**
 * The conversation an execution keeps for `llm` nodes: what the visitor said (trigger text, answers) and
 * the text the flow showed, one entry per visitor message and per turn's reply. Bounded, so a long chat
 * does not grow the execution without end.
 */
const MAX_ENTRIES = 40
const MAX_CHARS = 2_000

export function appendConversation(
  conversation: readonly ConversationEntry[] | undefined,
  entry: ConversationEntry | undefined,
): ConversationEntry[] {
  const entries = conversation ?? []
  if (!entry || entry.content.trim() === '') return [...entries]
  return [...entries, { role: entry.role, content: entry.content.slice(0, MAX_CHARS) }].slice(-MAX_ENTRIES)
}

/** The reply of one turn as the conversation remembers it: its text and handoff blocks. */
export function replyEntry(blocks: readonly Block[]): ConversationEntry | undefined {
  const texts = blocks.flatMap((block) => {
    if (block.type === 'text') return [block.markdown]
    if (block.type === 'handoff') return [block.message]
    return []
  })
  return texts.length === 0 ? undefined : { role: 'assistant', content: texts.join('\n\n') }
}

/** The visitor's answer to an `ask` node, as text: the button's label, or the form's values. */
export function answerEntry(node: NodeOf<'ask'>, variables: Record<string, unknown>): ConversationEntry {
  const { input } = node
  if (input.kind === 'buttons') {
    const chosen = input.options.find((option) => option.value === variables[input.variable])
    return { role: 'user', content: chosen?.label ?? '' }
  }
  const answered = input.fields.flatMap((field) => {
    const value = variables[field.name]
    return field.type === 'file' || value === null || value === undefined
      ? []
      : [{ field, text: fieldText(field, value) }]
  })
  const [only] = answered
  const content =
    answered.length === 1 && only
      ? only.text
      : answered.map(({ field, text }) => `${field.label}: ${text}`).join('\n')
  return { role: 'user', content }
}

/** The messages before the visitor's latest one (which the prompt usually quotes), the last `count`. */
export function historyBeforeLatestVisitorMessage(
  conversation: readonly ConversationEntry[] | undefined,
  count: number,
): ConversationEntry[] {
  const entries = conversation ?? []
  const latest = entries.findLastIndex((entry) => entry.role === 'user')
  const earlier = latest === -1 ? entries : entries.slice(0, latest)
  return count === 0 ? [] : earlier.slice(-count)
}

function fieldText(field: FormField, value: unknown): string {
  const label = (option: unknown) => field.options?.find((o) => o.value === option)?.label ?? String(option)
  if (Array.isArray(value)) return value.map(label).join(', ')
  return typeof value === 'string' ? label(value) : String(value)
}
