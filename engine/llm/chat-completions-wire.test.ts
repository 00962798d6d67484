import { describe, expect, it } from 'vitest'
import { chatCompletionsBody, parseChatCompletion, providerErrorMessage } from './chat-completions-wire.ts'

describe('chatCompletionsBody', () => {
  it('sends only the options that are set', () => {
    expect(
      chatCompletionsBody({ model: 'm', messages: [{ role: 'user', content: 'hi' }], timeoutMs: 1_000 }),
    ).toEqual({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: false })
  })

  it('places the grounding after the system messages, or first when there are none', () => {
    const body = chatCompletionsBody({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      grounding: [{ title: 'A', text: 'alpha' }],
      timeoutMs: 1_000,
    })
    expect(body.messages).toEqual([
      { role: 'system', content: expect.stringContaining('### A\nalpha') },
      { role: 'user', content: 'hi' },
    ])
  })
})

describe('parseChatCompletion', () => {
  const choices = [{ index: 0, message: { role: 'assistant', content: 'ok' } }]

  it('derives a missing total and caps cached tokens at the prompt', () => {
    const parsed = parseChatCompletion({
      choices,
      usage: { prompt_tokens: 10, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 50 } },
    })
    expect(parsed).toEqual({
      ok: true,
      text: 'ok',
      model: undefined,
      usage: { promptTokens: 10, cachedPromptTokens: 10, completionTokens: 5, totalTokens: 15 },
    })
  })

  it('refuses a null content (a tool call) and unreadable usage', () => {
    expect(parseChatCompletion({ choices: [{ message: { content: null } }] }).ok).toBe(false)
    const badUsage = parseChatCompletion({ choices, usage: { prompt_tokens: -1, completion_tokens: 1 } })
    expect(badUsage).toMatchObject({ ok: false, problem: expect.stringContaining('usage') })
  })

  it('reads the provider message from an OpenAI error body', () => {
    expect(providerErrorMessage({ error: { message: 'bad key', type: 'auth' } })).toBe('bad key')
    expect(providerErrorMessage({ detail: 'x' })).toBeUndefined()
  })
})
