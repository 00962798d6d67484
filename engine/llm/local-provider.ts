import { countTokens, encodeChat } from 'gpt-tokenizer'
import { chatCompletionsBody } from './chat-completions-wire.ts'
import type { LlmMessage, LlmProvider, LlmRequest, LlmResponse } from './llm-provider.ts'

/** The model name the local responder reports (priced at 0 in the seeded catalog). */
export const LOCAL_MODEL = 'comerix-local-faq'

type Snippet = NonNullable<LlmRequest['grounding']>[number]

const NO_MATCH =
  "I couldn't find that in our FAQ. Could you rephrase your question, or ask for a member of our team?"

/**
 * An offline responder for the embedded default and demos: it answers the visitor's last message with
 * the grounding snippet that shares the most words with it. Token counts are what an o200k-tokenizer
 * model (gpt-4o) would count for the same prompt, so the token-spend figures it feeds look real.
 */
export class LocalProvider implements LlmProvider {
  readonly name = 'local'

  async complete(request: LlmRequest): Promise<LlmResponse> {
    const started = Date.now()
    const question = lastUserMessage(request.messages)
    const snippet = bestSnippet(question, request.grounding ?? [])
    const text = snippet ? `${snippet.title}: ${snippet.text}` : NO_MATCH
    const prompt = chatCompletionsBody(request).messages as LlmMessage[]
    const promptTokens = encodeChat(prompt, 'gpt-4o').length
    const completionTokens = countTokens(text)
    return {
      text,
      model: LOCAL_MODEL,
      usage: {
        promptTokens,
        cachedPromptTokens: 0,
        completionTokens,
        totalTokens: promptTokens + completionTokens,
      },
      latencyMs: Date.now() - started,
    }
  }
}

const lastUserMessage = (messages: LlmMessage[]): string =>
  messages.findLast((message) => message.role === 'user')?.content ?? ''

/** The snippet whose title (counted twice) and text share the most distinct words with the question. */
export function bestSnippet(question: string, snippets: readonly Snippet[]): Snippet | undefined {
  const asked = new Set(words(question))
  let best: { snippet: Snippet; score: number } | undefined
  for (const snippet of snippets) {
    const score = 2 * overlap(asked, words(snippet.title)) + overlap(asked, words(snippet.text))
    if (score > 0 && (best === undefined || score > best.score)) best = { snippet, score }
  }
  return best?.snippet
}

const STOP_WORDS = new Set(
  'a an and are can do does for how i in is it me my of on or the to what when where which who why with you your'.split(
    ' ',
  ),
)

function words(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter(
    (word) => word.length > 1 && !STOP_WORDS.has(word),
  )
}

function overlap(asked: Set<string>, candidate: string[]): number {
  return new Set(candidate.filter((word) => asked.has(word))).size
}
