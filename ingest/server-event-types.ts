import { z } from 'zod'

export const tokenUsageSchema = z
  .object({
    prompt_tokens: z.number().int(),
    completion_tokens: z.number().int(),
    total_tokens: z.number().int(),
    model: z.string().describe('The model, or the distinct models joined by "," in first-use order'),
    cost_micros: z.number().int().describe("USD micros, the sum of the turn's llm.call events"),
    cost_usd: z.number().describe('cost_micros / 1e6, for display'),
  })
  .describe('Whenever an LLM ran during the turn: its calls summed')

/** What a chat reply and the `chat.execution.status_changed` event carry. */
export type TokenUsage = z.infer<typeof tokenUsageSchema>

const llmCallProps = z.object({
  call_id: z.string(),
  provider: z.string(),
  model: z.string(),
  prompt_tokens: z.number().int(),
  cached_prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
  /** USD micros; for `llm.cost_adjusted`, the change to the call's cost. */
  cost_micros: z.number().int(),
  cost_source: z.string(),
  price_id: z.string(),
  latency_ms: z.number(),
  outcome: z.enum(['ok', 'timeout', 'error', 'adjustment']),
  error: z.string(),
})

/**
 * Every event type the server emits itself (the chat engine, the backend APIs), with the props it carries:
 * writers build events through these types (`serverEventRow`), readers name them through
 * `event-types.ts`, so a renamed type or prop fails to compile instead of silently zeroing a metric.
 * The widget's own types are in event-type-rules.ts.
 */
export const SERVER_EVENT_TYPES = {
  'chat.session.opened': {
    props: z.object({}),
    meaning: 'A chat session was opened with a widget key.',
  },
  'chat.message.received': {
    props: z.object({ kind: z.enum(['trigger', 'resume']), text_length: z.number().int().optional() }),
    meaning:
      'The visitor triggered an intent (kind trigger) or answered a text or buttons question (resume).',
  },
  'chat.form.submitted': {
    props: z.object({ kind: z.literal('resume') }),
    meaning: 'The visitor submitted a form the flow asked for.',
  },
  'chat.block.rendered': {
    props: z.object({ block_type: z.string() }),
    meaning: 'The engine sent a block to the widget.',
  },
  'chat.execution.status_changed': {
    props: z.object({
      from: z.string(),
      to: z.string(),
      error: z.string().optional(),
      tokenUsage: tokenUsageSchema.optional(),
    }),
    meaning: "An execution's status changed; carries the turn's token usage when an LLM ran.",
  },
  'form.mounted': {
    props: z.object({ form_id: z.string(), form_version: z.number().int() }),
    meaning: 'A published form was mounted by a widget (GET /v1/public/forms/{formId}); metered per key.',
  },
  'chat.handoff': {
    props: z.object({}),
    meaning: 'The flow handed the chat over to a person.',
  },
  'llm.call': { props: llmCallProps, meaning: 'One LLM call of a flow, priced.' },
  'llm.cost_adjusted': {
    props: llmCallProps,
    meaning: "A price backfill changed a recorded call's cost by cost_micros.",
  },
  conversion: {
    props: z.object({
      conversion_id: z.string(),
      order_id: z.string(),
      email_hash: z.string(),
      line_items: z.array(
        z.object({ product_id: z.string(), quantity: z.number(), value_micros: z.number().int() }),
      ),
    }),
    meaning: "A sale (or a refund, with a negative value) reported by the shop's backend.",
  },
  'goal.<name>': {
    props: z.object({}),
    meaning: "A flow's goal node was reached; value and currency when the node sets them.",
  },
} as const

type RegistryKey = keyof typeof SERVER_EVENT_TYPES
/** A registry key, with `<prefix>.<name>` standing for every `<prefix>.` + name. */
type Concrete<K> = K extends `${infer Prefix}.<name>` ? `${Prefix}.${string}` : K
export type ServerEventType = Concrete<RegistryKey>
export type ServerEventProps<T extends ServerEventType> = z.input<
  (typeof SERVER_EVENT_TYPES)[T extends RegistryKey ? T : 'goal.<name>']['props']
>
