import { z } from 'zod'
import type { LlmMessage, LlmRequest, LlmUsage } from './llm-provider.ts'

/** The Chat Completions request body for `request` (non-streaming); grounding goes in as a system message. */
export function chatCompletionsBody(request: LlmRequest): Record<string, unknown> {
  return {
    model: request.model,
    messages: withGrounding(request.messages, request.grounding ?? []),
    stream: false,
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(request.maxTokens === undefined ? {} : { max_tokens: request.maxTokens }),
  }
}

/** The snippets ride in one system message placed after the flow's own system messages. */
function withGrounding(
  messages: LlmMessage[],
  grounding: NonNullable<LlmRequest['grounding']>,
): LlmMessage[] {
  if (grounding.length === 0) return messages
  const snippets = grounding.map(({ title, text }) => `### ${title}\n${text}`).join('\n\n')
  const reference: LlmMessage = {
    role: 'system',
    content: `Answer using only the reference snippets below. If they do not cover the question, say so.\n\n${snippets}`,
  }
  const firstOther = messages.findIndex((message) => message.role !== 'system')
  const at = firstOther === -1 ? messages.length : firstOther
  return [...messages.slice(0, at), reference, ...messages.slice(at)]
}

const count = z.number().int().nonnegative()

const usageSchema = z.object({
  prompt_tokens: count,
  completion_tokens: count,
  total_tokens: count.optional(),
  prompt_tokens_details: z.object({ cached_tokens: count.nullish() }).nullish(),
  /** LiteLLM and OpenRouter report what the call cost, in USD. */
  cost: z.number().nonnegative().nullish(),
})

const completionSchema = z.object({
  model: z.string().min(1).optional(),
  choices: z.array(z.object({ message: z.object({ content: z.string() }) })).min(1),
})

export type ParsedCompletion =
  | { ok: true; text: string; model: string | undefined; usage: LlmUsage }
  | { ok: false; problem: string; usage: LlmUsage | undefined }

/**
 * Reads a Chat Completions response body. Usage is read on its own so that a body whose choices are
 * unusable still reports the tokens it was billed for; a body with no usage at all counts zero tokens.
 */
export function parseChatCompletion(body: unknown): ParsedCompletion {
  const rawUsage = isObject(body) ? body.usage : undefined
  const usageResult =
    rawUsage === undefined || rawUsage === null ? undefined : usageSchema.safeParse(rawUsage)
  const usage = usageResult?.success ? toUsage(usageResult.data) : undefined
  if (usageResult && !usageResult.success)
    return { ok: false, problem: `unreadable usage: ${firstIssue(usageResult.error)}`, usage }
  const completion = completionSchema.safeParse(body)
  if (!completion.success)
    return {
      ok: false,
      problem: isObject(body)
        ? `not a chat completion: ${firstIssue(completion.error)}`
        : 'the body is not a JSON object',
      usage,
    }
  const [choice] = completion.data.choices
  return {
    ok: true,
    text: choice?.message.content ?? '',
    model: completion.data.model,
    usage: usage ?? { promptTokens: 0, cachedPromptTokens: 0, completionTokens: 0, totalTokens: 0 },
  }
}

function toUsage(usage: z.output<typeof usageSchema>): LlmUsage {
  const promptTokens = usage.prompt_tokens
  return {
    promptTokens,
    cachedPromptTokens: Math.min(usage.prompt_tokens_details?.cached_tokens ?? 0, promptTokens),
    completionTokens: usage.completion_tokens,
    totalTokens: usage.total_tokens ?? promptTokens + usage.completion_tokens,
    ...(usage.cost === undefined || usage.cost === null
      ? {}
      : { providerCostMicros: Math.round(usage.cost * 1_000_000) }),
  }
}

/** The provider's own error message (`{ error: { message } }`), shortened, for the call's error text. */
export function providerErrorMessage(body: unknown): string | undefined {
  const error = isObject(body) ? body.error : undefined
  const message = isObject(error) ? error.message : typeof error === 'string' ? error : undefined
  return typeof message === 'string' && message !== '' ? message.slice(0, 300) : undefined
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0]
  return issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'
}
