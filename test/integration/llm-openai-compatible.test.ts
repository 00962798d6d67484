import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import type { ResolvedConnection } from '../../engine/connections/call-connection.ts'
import { LlmCallError, type LlmRequest } from '../../engine/llm/llm-provider.ts'
import {
  type OpenAiCompatibleOptions,
  OpenAiCompatibleProvider,
} from '../../engine/llm/openai-compatible-provider.ts'
import { DEFAULT_USAGE, startChatCompletionsServer } from '../support/chat-completions-server.ts'

const server = await startChatCompletionsServer()
afterAll(() => server.close())

const connection: ResolvedConnection = {
  tenantId: '6f1c2d3e-0000-4000-8000-000000000001',
  name: 'openai',
  baseUrl: server.baseUrl,
  auth: { kind: 'bearer', token: 'sk-test-123' },
  timeoutMs: 10_000,
}
// Loopback is a private address: the test server is reachable only with the operator's opt-in.
/** The backoffs the provider asked for, in order; they still really pass, as short as asked. */
const waits: number[] = []
const options: OpenAiCompatibleOptions = {
  allowPrivateNetworks: true,
  retry: { maxAttempts: 3, backoffBaseMs: 10 },
  wait: async (ms) => {
    waits.push(ms)
    await new Promise((resolve) => setTimeout(resolve, Math.min(ms, 10)))
  },
}
const provider = new OpenAiCompatibleProvider(connection, options)

const request: LlmRequest = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You are the shop assistant.' },
    { role: 'user', content: 'When will my parcel arrive?' },
  ],
  temperature: 0.2,
  maxTokens: 200,
  timeoutMs: 5_000,
}

async function failure(call: Promise<unknown>): Promise<LlmCallError> {
  const error = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(LlmCallError)
  return error as LlmCallError
}

beforeEach(() => {
  server.requests.length = 0
  server.setDefault({ kind: 'complete' })
})

describe('openai-compatible provider', () => {
  it('sends a Chat Completions request and reads the answer and its usage', async () => {
    server.enqueue({
      kind: 'complete',
      content: 'Tomorrow before noon.',
      model: 'gpt-4o-mini-2024-07-18',
      usage: {
        prompt_tokens: 120,
        completion_tokens: 9,
        total_tokens: 129,
        prompt_tokens_details: { cached_tokens: 64 },
      },
    })
    const response = await provider.complete({
      ...request,
      grounding: [{ title: 'Shipping', text: 'Orders ship within 24 hours.' }],
    })

    expect(response).toMatchObject({
      text: 'Tomorrow before noon.',
      model: 'gpt-4o-mini-2024-07-18',
      usage: { promptTokens: 120, cachedPromptTokens: 64, completionTokens: 9, totalTokens: 129 },
    })
    expect(response.usage.providerCostMicros).toBeUndefined()
    expect(server.requests).toHaveLength(1)
    const [sent] = server.requests
    expect(sent?.path).toBe('/v1/chat/completions')
    expect(sent?.headers.authorization).toBe('Bearer sk-test-123')
    expect(sent?.body).toEqual({
      model: 'gpt-4o-mini',
      stream: false,
      temperature: 0.2,
      max_tokens: 200,
      messages: [
        { role: 'system', content: 'You are the shop assistant.' },
        { role: 'system', content: expect.stringContaining('### Shipping\nOrders ship within 24 hours.') },
        { role: 'user', content: 'When will my parcel arrive?' },
      ],
    })
  })

  it('takes the cost a LiteLLM/OpenRouter-style provider reports, in micros', async () => {
    server.enqueue({ kind: 'complete', usage: { ...DEFAULT_USAGE, cost: 0.0012345 } })
    const response = await provider.complete(request)
    expect(response.usage.providerCostMicros).toBe(1235)
  })

  it('counts zero tokens when the provider sends no usage block', async () => {
    server.enqueue({ kind: 'complete', usage: null })
    const response = await provider.complete(request)
    expect(response.usage).toEqual({
      promptTokens: 0,
      cachedPromptTokens: 0,
      completionTokens: 0,
      totalTokens: 0,
    })
  })

  it('waits as long as Retry-After says after a 429, then succeeds', async () => {
    server.enqueue({ kind: 'error', status: 429, message: 'slow down', headers: { 'retry-after': '1' } })
    waits.length = 0
    const response = await provider.complete(request)
    expect(response.text).toBe('echo: When will my parcel arrive?')
    expect(server.requests).toHaveLength(2)
    expect(waits).toEqual([1_000])
  })

  it('gives up at once when Retry-After asks for longer than the call has left', async () => {
    server.enqueue({ kind: 'error', status: 429, message: 'quota', headers: { 'retry-after': '30' } })
    const error = await failure(provider.complete(request))
    expect(error).toMatchObject({ kind: 'rate_limited', attempts: 1 })
    expect(error.message).toContain('quota')
    expect(server.requests).toHaveLength(1)
  })

  it('retries a 500 and succeeds on the next attempt', async () => {
    server.enqueue({ kind: 'error', status: 500, message: 'upstream hiccup' })
    const response = await provider.complete(request)
    expect(response.text).toBe('echo: When will my parcel arrive?')
    expect(server.requests).toHaveLength(2)
  })

  it('stops after the last attempt when the server keeps failing', async () => {
    server.setDefault({ kind: 'error', status: 503, message: 'overloaded' })
    const error = await failure(provider.complete(request))
    expect(error).toMatchObject({ kind: 'server', attempts: 3 })
    expect(server.requests).toHaveLength(3)
  })

  it('does not retry a 400 and reports the provider message', async () => {
    server.enqueue({ kind: 'error', status: 400, message: "The model 'gpt-9' does not exist" })
    const error = await failure(provider.complete({ ...request, model: 'gpt-9' }))
    expect(error).toMatchObject({ kind: 'client', attempts: 1 })
    expect(error.message).toContain("The model 'gpt-9' does not exist")
    expect(server.requests).toHaveLength(1)
  })

  it('fails with a timeout when the answer comes after the deadline, without retrying', async () => {
    server.enqueue({ kind: 'complete', delayMs: 2_000 })
    const error = await failure(provider.complete({ ...request, timeoutMs: 300 }))
    expect(error).toMatchObject({ kind: 'timeout', attempts: 1 })
    expect(server.requests).toHaveLength(1)
  })

  it('refuses a body that claims JSON but is not', async () => {
    server.enqueue({ kind: 'raw', contentType: 'application/json', body: '{"choices": [' })
    const error = await failure(provider.complete(request))
    expect(error).toMatchObject({ kind: 'invalid_response', attempts: 1 })
    expect(server.requests).toHaveLength(1)
  })

  it('refuses a JSON body without choices but keeps the usage it reports', async () => {
    server.enqueue({
      kind: 'raw',
      contentType: 'application/json',
      body: JSON.stringify({ object: 'chat.completion', usage: DEFAULT_USAGE }),
    })
    const error = await failure(provider.complete(request))
    expect(error.kind).toBe('invalid_response')
    expect(error.message).toContain('choices')
    expect(error.usage).toEqual({
      promptTokens: 42,
      cachedPromptTokens: 0,
      completionTokens: 7,
      totalTokens: 49,
    })
  })

  it('refuses a plain-text answer', async () => {
    server.enqueue({ kind: 'raw', contentType: 'text/html', body: '<html>gateway</html>' })
    const error = await failure(provider.complete(request))
    expect(error.kind).toBe('invalid_response')
  })

  it('keeps the connection SSRF guard: loopback is refused unless the operator allows it', async () => {
    const guarded = new OpenAiCompatibleProvider(connection, { ...options, allowPrivateNetworks: false })
    const error = await failure(guarded.complete(request))
    expect(error.kind).toBe('client')
    expect(error.message).toContain('CONNECTIONS_ALLOW_PRIVATE_NETWORKS')
    expect(server.requests).toHaveLength(0)
  })
})
