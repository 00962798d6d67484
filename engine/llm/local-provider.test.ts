import { countTokens, encodeChat } from 'gpt-tokenizer'
import { describe, expect, it } from 'vitest'
import { bestSnippet, LOCAL_MODEL, LocalProvider } from './local-provider.ts'

const faq = [
  {
    title: 'Shipping times',
    text: 'Orders leave our warehouse within 24 hours and arrive in 2-3 working days.',
  },
  { title: 'Returns', text: 'You can return any item within 30 days for a full refund.' },
  { title: 'Payment methods', text: 'We accept cards, PayPal and bank transfer.' },
]

describe('bestSnippet', () => {
  it('picks the snippet sharing the most words with the question, titles counting double', () => {
    expect(bestSnippet('How do I return an item?', faq)?.title).toBe('Returns')
    expect(bestSnippet('which payment methods do you take', faq)?.title).toBe('Payment methods')
    expect(bestSnippet('When will my order arrive?', faq)?.title).toBe('Shipping times')
  })

  it('finds nothing when no meaningful word is shared', () => {
    expect(bestSnippet('Do you have a store in Paris?', faq)).toBeUndefined()
    expect(bestSnippet('anything', [])).toBeUndefined()
  })
})

describe('LocalProvider', () => {
  const provider = new LocalProvider()

  it('answers from the matching FAQ entry with tokenizer counts under its own model name', async () => {
    const messages = [
      { role: 'system' as const, content: 'You answer shop questions.' },
      { role: 'user' as const, content: 'Can I return a jacket after two weeks?' },
    ]
    const response = await provider.complete({ model: 'ignored', messages, grounding: faq, timeoutMs: 1_000 })
    expect(response.model).toBe(LOCAL_MODEL)
    expect(response.text).toBe('Returns: You can return any item within 30 days for a full refund.')
    expect(response.usage.completionTokens).toBe(countTokens(response.text))
    // The prompt is counted as sent, grounding included, so it outweighs the bare messages.
    expect(response.usage.promptTokens).toBeGreaterThan(encodeChat(messages, 'gpt-4o').length)
    expect(response.usage.totalTokens).toBe(response.usage.promptTokens + response.usage.completionTokens)
    expect(response.usage.cachedPromptTokens).toBe(0)
    expect(response.usage.providerCostMicros).toBeUndefined()
  })

  it('says it does not know when the FAQ does not cover the question', async () => {
    const response = await provider.complete({
      model: 'ignored',
      messages: [{ role: 'user', content: 'Is the Paris store open on Sunday?' }],
      grounding: faq,
      timeoutMs: 1_000,
    })
    expect(response.text).toContain("couldn't find that in our FAQ")
  })
})
