import { setTimeout as sleep } from 'node:timers/promises'
import {
  type CallOptions,
  ConnectionCallError,
  callConnection,
  type ResolvedConnection,
} from '../connections/call-connection.ts'
import { chatCompletionsBody, parseChatCompletion, providerErrorMessage } from './chat-completions-wire.ts'
import {
  LlmCallError,
  type LlmErrorKind,
  type LlmProvider,
  type LlmRequest,
  type LlmResponse,
} from './llm-provider.ts'

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number
  /** The first backoff without Retry-After; doubles with each retry (with jitter). */
  backoffBaseMs: number
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 3, backoffBaseMs: 500 }

export type OpenAiCompatibleOptions = CallOptions & {
  retry?: RetryPolicy
  /** How a backoff waits; tests record the waits instead of sleeping. */
  wait?: (ms: number, signal?: AbortSignal) => Promise<void>
}

const sleepFor = (ms: number, signal?: AbortSignal): Promise<void> =>
  sleep(ms, undefined, signal ? { signal } : {})

/**
 * Chat Completions (`POST {baseUrl}/chat/completions`) through a tenant connection, so the connection's
 * auth and the SSRF guard of `callConnection` apply. 429, 5xx and network failures are retried with
 * backoff (a Retry-After header sets the wait); other 4xx are not. `request.timeoutMs` bounds the whole
 * call: each attempt gets what is left of it, and a wait that would overrun it ends the call instead.
 * `signal` cancels between attempts and during a wait; an attempt in flight runs to its own deadline.
 */
export class OpenAiCompatibleProvider implements LlmProvider {
  readonly name = 'openai-compatible'
  private readonly retry: RetryPolicy
  private readonly wait: NonNullable<OpenAiCompatibleOptions['wait']>

  constructor(
    private readonly connection: ResolvedConnection,
    private readonly options: OpenAiCompatibleOptions,
  ) {
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY
    this.wait = options.wait ?? sleepFor
  }

  async complete(request: LlmRequest, signal?: AbortSignal): Promise<LlmResponse> {
    const started = Date.now()
    const deadline = started + request.timeoutMs
    const body = chatCompletionsBody(request)
    for (let attempt = 1; ; attempt++) {
      const remainingMs = deadline - Date.now()
      if (signal?.aborted) throw new LlmCallError('timeout', 'the call was cancelled', attempt - 1)
      if (remainingMs <= 0)
        throw new LlmCallError('timeout', `no answer within ${request.timeoutMs} ms`, attempt - 1)
      let failure: LlmCallError
      let retryAfterMs: number | undefined
      try {
        const response = await callConnection(
          this.connection,
          { method: 'POST', path: '/chat/completions', body, timeoutMs: remainingMs },
          this.options,
        )
        const parsed = parseChatCompletion(response.body)
        if (parsed.ok)
          return {
            text: parsed.text,
            model: parsed.model ?? request.model,
            usage: parsed.usage,
            latencyMs: Date.now() - started,
          }
        // A malformed answer is not retried: the provider did the work and may have billed it.
        throw new LlmCallError('invalid_response', parsed.problem, attempt, parsed.usage)
      } catch (error) {
        if (error instanceof LlmCallError) throw error
        failure = toLlmError(error, attempt, request.timeoutMs)
        retryAfterMs = error instanceof ConnectionCallError ? error.retryAfterMs : undefined
      }
      if (!isRetryable(failure.kind) || attempt >= this.retry.maxAttempts) throw failure
      const waitMs = retryAfterMs ?? backoffMs(this.retry.backoffBaseMs, attempt)
      if (Date.now() + waitMs >= deadline) throw failure
      try {
        await this.wait(waitMs, signal)
      } catch {
        throw new LlmCallError('timeout', 'the call was cancelled', attempt)
      }
    }
  }
}

const isRetryable = (kind: LlmErrorKind): boolean =>
  kind === 'rate_limited' || kind === 'server' || kind === 'network'

/** Exponential backoff with jitter over its upper half, so retries of concurrent calls spread out. */
function backoffMs(baseMs: number, attempt: number): number {
  const ceiling = baseMs * 2 ** (attempt - 1)
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2)
}

function toLlmError(error: unknown, attempt: number, timeoutMs: number): LlmCallError {
  if (!(error instanceof ConnectionCallError))
    return new LlmCallError('network', error instanceof Error ? error.message : String(error), attempt)
  switch (error.kind) {
    case 'timeout':
      return new LlmCallError('timeout', `no answer within ${timeoutMs} ms`, attempt)
    case 'network':
      return new LlmCallError('network', error.message, attempt)
    case 'blocked':
    case 'invalid_request':
      return new LlmCallError('client', error.message, attempt)
    case 'too_large':
    case 'invalid_response':
      return new LlmCallError('invalid_response', error.message, attempt)
    case 'http_status': {
      const status = error.status ?? 0
      const detail = providerErrorMessage(error.details.body)
      const message = detail ? `${error.message}: ${detail}` : error.message
      const kind: LlmErrorKind = status === 429 ? 'rate_limited' : status >= 500 ? 'server' : 'client'
      return new LlmCallError(kind, message, attempt)
    }
  }
}
