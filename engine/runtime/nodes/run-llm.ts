import { renderTemplate } from '../../expressions/render-template.ts'
import type { LlmMessage, LlmRequest } from '../../llm/llm-provider.ts'
import { historyBeforeLatestVisitorMessage } from '../conversation.ts'
import type { Block, ConversationEntry } from '../execution.ts'
import type { AsyncStepResult, NodeOf } from '../node-outcome.ts'

/**
 * The pure half of an `llm` node: the request it sends, and where the flow goes with the answer or the
 * failure. The call itself runs in the worker (run-llm-step.ts), while the widget polls.
 */

export function llmRequest(
  node: NodeOf<'llm'>,
  variables: Readonly<Record<string, unknown>>,
  conversation: readonly ConversationEntry[] | undefined,
): LlmRequest {
  const render = (text: string) => renderTemplate(text, variables)
  const system = node.system === undefined ? '' : render(node.system)
  const grounding = node.grounding
    .map((snippet) => ({ title: render(snippet.title), text: render(snippet.text) }))
    .filter((snippet) => snippet.text.trim() !== '')
  const messages: LlmMessage[] = [
    ...(system.trim() === '' ? [] : [{ role: 'system' as const, content: system }]),
    ...historyBeforeLatestVisitorMessage(conversation, node.history),
    { role: 'user', content: render(node.prompt) },
  ]
  return {
    model: node.model,
    messages,
    timeoutMs: node.timeoutMs,
    ...(node.temperature === undefined ? {} : { temperature: node.temperature }),
    ...(node.maxTokens === undefined ? {} : { maxTokens: node.maxTokens }),
    ...(grounding.length === 0 ? {} : { grounding }),
  }
}

/** The answer goes into the node's variable and, unless hidden, into a text block shown first next turn. */
export function llmAnswer(
  node: NodeOf<'llm'>,
  text: string,
  variables: Record<string, unknown>,
): Extract<AsyncStepResult, { kind: 'continue' }> {
  const blocks: Block[] =
    node.showAnswer && text.trim() !== '' ? [{ id: `${node.id}.answer`, type: 'text', markdown: text }] : []
  return {
    kind: 'continue',
    nodeId: node.next,
    variables: node.variable === undefined ? variables : { ...variables, [node.variable]: text },
    blocks,
  }
}

/** A timeout or provider error takes `onError` (with `error.message` set, as a connection does), else fails. */
export function llmFailure(
  node: NodeOf<'llm'>,
  variables: Record<string, unknown>,
  message: string,
): Exclude<AsyncStepResult, { kind: 'retry' }> {
  if (node.onError)
    return { kind: 'continue', nodeId: node.onError, variables: { ...variables, error: { message } } }
  return { kind: 'fail', code: 'llm_unavailable', message }
}
