import { describe, expect, it } from 'vitest'
import {
  answerEntry,
  appendConversation,
  historyBeforeLatestVisitorMessage,
  replyEntry,
} from './conversation.ts'
import type { ConversationEntry } from './execution.ts'
import type { NodeOf } from './node-outcome.ts'

const buttons: NodeOf<'ask'> = {
  id: 'more',
  type: 'ask',
  input: {
    kind: 'buttons',
    variable: 'more',
    options: [
      { label: 'Another question', value: 'yes' },
      { label: 'No, thanks', value: 'no' },
    ],
  },
  next: 'x',
}
const form = (fields: NodeOf<'ask'>['input'] & { kind: 'form' }): NodeOf<'ask'> => ({
  id: 'ask',
  type: 'ask',
  input: fields,
  next: 'x',
})

describe('the conversation an execution keeps', () => {
  it('remembers a button answer by its label', () => {
    expect(answerEntry(buttons, { more: 'yes' })).toEqual({ role: 'user', content: 'Another question' })
  })

  it('remembers a one-field form as the value, a larger form as labelled lines (option labels, no files)', () => {
    const single = form({
      kind: 'form',
      submitLabel: 'Ask',
      fields: [{ name: 'question', label: 'Your question', type: 'text', required: true }],
    })
    expect(answerEntry(single, { question: 'Do you ship to Austria?' }).content).toBe(
      'Do you ship to Austria?',
    )
    const larger = form({
      kind: 'form',
      submitLabel: 'Send',
      fields: [
        {
          name: 'size',
          label: 'Size',
          type: 'select',
          required: true,
          options: [{ label: 'Medium', value: 'm' }],
        },
        { name: 'qty', label: 'How many', type: 'number', required: false },
        { name: 'photo', label: 'Photo', type: 'file', required: false },
        { name: 'note', label: 'Note', type: 'text', required: false },
      ],
    })
    expect(answerEntry(larger, { size: 'm', qty: 2, photo: 'up_1', note: null }).content).toBe(
      'Size: Medium\nHow many: 2',
    )
  })

  it('remembers a turn reply as its text and handoff blocks', () => {
    expect(
      replyEntry([
        { id: 'a.0', type: 'text', markdown: 'Hello' },
        { id: 'a.1', type: 'link_button', label: 'Shop', url: 'https://shop.example' },
        { id: 'h', type: 'handoff', message: 'A colleague takes over' },
      ]),
    ).toEqual({ role: 'assistant', content: 'Hello\n\nA colleague takes over' })
    expect(replyEntry([{ id: 'b', type: 'buttons', variable: 'v', options: [] }])).toBeUndefined()
  })

  it('skips blank entries and keeps only the latest 40, each at most 2000 characters', () => {
    let conversation: ConversationEntry[] = []
    for (let i = 0; i < 45; i += 1)
      conversation = appendConversation(conversation, { role: 'user', content: `m${i}` })
    conversation = appendConversation(conversation, { role: 'assistant', content: '  ' })
    expect(conversation).toHaveLength(40)
    expect(conversation[0]?.content).toBe('m5')
    expect(appendConversation([], { role: 'user', content: 'x'.repeat(3_000) })[0]?.content).toHaveLength(
      2_000,
    )
  })

  it("gives an llm node the messages before the visitor's latest one", () => {
    const conversation: ConversationEntry[] = [
      { role: 'user', content: 'q1' },
      { role: 'assistant', content: 'a1' },
      { role: 'user', content: 'q2' },
      { role: 'assistant', content: 'looking it up' },
    ]
    expect(historyBeforeLatestVisitorMessage(conversation, 6)).toEqual(conversation.slice(0, 2))
    expect(historyBeforeLatestVisitorMessage(conversation, 1)).toEqual([conversation[1]])
    expect(historyBeforeLatestVisitorMessage(conversation, 0)).toEqual([])
    const botOnly: ConversationEntry[] = [{ role: 'assistant', content: 'hi' }]
    expect(historyBeforeLatestVisitorMessage(botOnly, 6)).toEqual(botOnly)
    expect(historyBeforeLatestVisitorMessage(undefined, 6)).toEqual([])
  })
})
