import { z } from 'zod'
import { tokenUsageSchema } from '../../ingest/server-event-types.ts'
import { EXECUTION_STATUSES } from '../runtime/execution.ts'

/**
 * Every webhook event type with its payload schema, version and an example: the one registry that the
 * emitters build from, the admin API lists (with a JSON Schema per type), and WEBHOOKS.md documents.
 * A breaking change of a payload adds a new version; additive fields keep the version.
 */
const iso = z.string().describe('ISO 8601 time, UTC')
const flowRef = z.object({ id: z.string(), version: z.number().int() })
const executionRef = {
  executionId: z.string(),
  sessionId: z.string().describe("The chat session's public id (a conversion's chatSessionId)"),
  intent: z.string(),
  flow: flowRef,
  anonymousId: z.string(),
  widgetKey: z.string(),
}
const executionError = z.object({ code: z.string(), message: z.string() })
const block = z
  .object({ id: z.string(), type: z.string() })
  .catchall(z.unknown())
  .describe('A block as the chat reply carries it (engine/CHAT.md)')
const exportedVariables = z
  .record(z.string(), z.unknown())
  .describe('The variables the flow lists in `exports` (engine/FLOWS.md); {} when it lists none')
const sessionData = z.object({
  sessionId: z.string(),
  widgetKey: z.string(),
  anonymousId: z.string(),
  openedAt: iso,
  expiresAt: iso,
})
const finalData = z.object({
  ...executionRef,
  status: z.enum(['completed', 'failed', 'aborted']),
  error: executionError.optional(),
  tokenUsage: tokenUsageSchema.optional().describe("The last turn's token usage, as on its reply"),
  variables: exportedVariables,
  startedAt: iso,
  endedAt: iso,
})

const FLOW = { id: '0b7c6f5e-3f59-4b7e-9d3a-1c1f0e6a9d21', version: 3 }
const EXECUTION = {
  executionId: '9f5d3c1a-7e0b-4f3e-8a52-2f6c9b1d0e47',
  sessionId: 'c2a9e1f0-5b7d-4c3e-9f81-6d0a2b4e8c13',
  intent: 'order_status',
  flow: FLOW,
  anonymousId: 'anon-42',
  widgetKey: 'pk_live_4f8c2b1e9d7a',
}
const USAGE = {
  prompt_tokens: 412,
  completion_tokens: 58,
  total_tokens: 470,
  model: 'gpt-4o-mini',
  cost_micros: 97,
  cost_usd: 0.000097,
}

export const WEBHOOK_EVENT_TYPES = {
  'chat.session.opened': {
    version: 1,
    data: sessionData,
    meaning: 'A visitor opened a chat session with a widget key.',
    example: {
      sessionId: EXECUTION.sessionId,
      widgetKey: EXECUTION.widgetKey,
      anonymousId: 'anon-42',
      openedAt: '2026-12-01T10:00:00.000Z',
      expiresAt: '2026-12-02T10:00:00.000Z',
    },
  },
  'chat.session.expired': {
    version: 1,
    data: sessionData,
    meaning: "A chat session's token expired (CHAT_SESSION_TTL_SECONDS after it opened); sent at that time.",
    example: {
      sessionId: EXECUTION.sessionId,
      widgetKey: EXECUTION.widgetKey,
      anonymousId: 'anon-42',
      openedAt: '2026-12-01T10:00:00.000Z',
      expiresAt: '2026-12-02T10:00:00.000Z',
    },
  },
  'chat.execution.started': {
    version: 1,
    data: z.object({ ...executionRef, startedAt: iso }),
    meaning: 'An intent was triggered: a flow execution started.',
    example: { ...EXECUTION, startedAt: '2026-12-01T10:00:05.000Z' },
  },
  'chat.execution.updated': {
    version: 1,
    data: z.object({
      ...executionRef,
      status: z.enum(EXECUTION_STATUSES),
      previousStatus: z.enum(EXECUTION_STATUSES),
      blocks: z.array(block).describe('The blocks this turn showed'),
      waitingFor: z
        .object({ kind: z.enum(['input', 'time']), nodeId: z.string() })
        .optional()
        .describe('While waiting_input or waiting_time: the node waited on'),
      error: executionError.optional(),
      tokenUsage: tokenUsageSchema
        .optional()
        .describe("Whenever an LLM ran during the turn: exactly the figures of that turn's reply"),
      variables: exportedVariables,
      turn: z.number().int().describe('Counts the turns of the execution; increases with every update'),
      updatedAt: iso,
    }),
    meaning:
      'Every turn of an execution (a trigger, a resume, an async step finishing) and every status change (idle expiry, failure).',
    example: {
      ...EXECUTION,
      status: 'waiting_input',
      previousStatus: 'waiting_time',
      blocks: [
        { id: 'answer', type: 'text', markdown: 'Your order has shipped.' },
        {
          id: 'rate.input',
          type: 'buttons',
          variable: 'helpful',
          options: [{ label: 'Yes', value: 'yes' }],
        },
      ],
      waitingFor: { kind: 'input', nodeId: 'rate' },
      tokenUsage: USAGE,
      variables: { order_number: 'A-1001' },
      turn: 3,
      updatedAt: '2026-12-01T10:00:09.000Z',
    },
  },
  'chat.execution.completed': {
    version: 1,
    data: finalData,
    meaning: 'An execution reached an end node.',
    example: {
      ...EXECUTION,
      status: 'completed',
      variables: { order_number: 'A-1001' },
      startedAt: '2026-12-01T10:00:05.000Z',
      endedAt: '2026-12-01T10:01:12.000Z',
    },
  },
  'chat.execution.failed': {
    version: 1,
    data: finalData,
    meaning: 'An execution failed (a connection or LLM step without onError, an expression error, a loop).',
    example: {
      ...EXECUTION,
      status: 'failed',
      error: { code: 'connection_failed', message: 'shop answered 503' },
      variables: {},
      startedAt: '2026-12-01T10:00:05.000Z',
      endedAt: '2026-12-01T10:00:20.000Z',
    },
  },
  'chat.execution.aborted': {
    version: 1,
    data: finalData,
    meaning: 'An execution was aborted: an abort node, or no answer within CHAT_IDLE_TIMEOUT_SECONDS.',
    example: {
      ...EXECUTION,
      status: 'aborted',
      error: { code: 'idle_timeout', message: 'no answer within CHAT_IDLE_TIMEOUT_SECONDS' },
      variables: {},
      startedAt: '2026-12-01T10:00:05.000Z',
      endedAt: '2026-12-01T10:30:05.000Z',
    },
  },
  'chat.form.submitted': {
    version: 1,
    data: z.object({
      ...executionRef,
      nodeId: z.string().describe('The ask node whose form was submitted'),
      values: z
        .record(z.string(), z.unknown())
        .describe("The submitted values by field name; a file field's value is its uploadId"),
      submittedAt: iso,
    }),
    meaning: 'The visitor submitted a form the flow asked for.',
    example: {
      ...EXECUTION,
      nodeId: 'ask_order',
      values: { order_number: 'A-1001', receipt: 'upl_7d2f9a0c4b1e' },
      submittedAt: '2026-12-01T10:00:07.000Z',
    },
  },
  'chat.handoff.requested': {
    version: 1,
    data: z.object({ ...executionRef, nodeId: z.string(), message: z.string(), requestedAt: iso }),
    meaning: 'The flow handed the chat over to a person (a handoff node ran).',
    example: {
      ...EXECUTION,
      nodeId: 'to_agent',
      message: 'A colleague will take over.',
      requestedAt: '2026-12-01T10:00:30.000Z',
    },
  },
  'conversion.recorded': {
    version: 1,
    data: z.object({
      conversionId: z.string(),
      orderId: z.string(),
      value: z.number().describe('In currency units; negative for a refund'),
      valueMicros: z.number().int(),
      currency: z.string(),
      customerId: z.string(),
      anonymousId: z.string(),
      chatSessionId: z.string(),
      lineItems: z.array(
        z.object({ productId: z.string(), quantity: z.number(), valueMicros: z.number().int() }),
      ),
      occurredAt: iso,
    }),
    meaning: "The shop's backend reported a sale (or a refund) through POST /v1/engine/conversions.",
    example: {
      conversionId: 'conv-8812',
      orderId: 'A-1001',
      value: 89.9,
      valueMicros: 89_900_000,
      currency: 'EUR',
      customerId: 'cust-77',
      anonymousId: 'anon-42',
      chatSessionId: EXECUTION.sessionId,
      lineItems: [{ productId: 'trail-shoe', quantity: 1, valueMicros: 89_900_000 }],
      occurredAt: '2026-12-01T11:00:00.000Z',
    },
  },
  'webhook.test': {
    version: 1,
    data: z.object({ endpointId: z.string(), message: z.string() }),
    meaning: 'Sent by "send test event" (POST /v1/admin/webhook-endpoints/{id}/test) whatever the filters.',
    example: {
      endpointId: '5e0c7a1b-2d3f-4e5a-8b9c-0d1e2f3a4b5c',
      message: 'A test event from Comerix',
    },
  },
} as const satisfies Record<
  string,
  { version: number; data: z.ZodType; meaning: string; example: Record<string, unknown> }
>

export type WebhookEventType = keyof typeof WEBHOOK_EVENT_TYPES
export type WebhookEventData<T extends WebhookEventType> = z.input<(typeof WEBHOOK_EVENT_TYPES)[T]['data']>
export const WEBHOOK_EVENT_TYPE_NAMES = Object.keys(WEBHOOK_EVENT_TYPES) as WebhookEventType[]

/** What every endpoint receives: the body of the POST, signed per Standard Webhooks. */
export interface WebhookEvent<T extends WebhookEventType = WebhookEventType> {
  /** Stable: the same on every attempt and replay (also the `webhook-id` header). */
  id: string
  type: T
  /** The payload schema's version. */
  version: number
  timestamp: string
  tenantId: string
  data: WebhookEventData<T>
}

function envelopeSchema(type: WebhookEventType) {
  const entry = WEBHOOK_EVENT_TYPES[type]
  return z.object({
    id: z.string().describe('Stable event id; also the webhook-id header'),
    type: z.literal(type),
    version: z.literal(entry.version),
    timestamp: iso.describe('When the event happened'),
    tenantId: z.string(),
    data: entry.data,
  })
}

/** JSON Schema (draft 2020-12) of one event type's whole body. */
export function webhookEventJsonSchema(type: WebhookEventType): Record<string, unknown> {
  return {
    ...z.toJSONSchema(envelopeSchema(type), { io: 'input' }),
    title: type,
    description: WEBHOOK_EVENT_TYPES[type].meaning,
  }
}

/** The example body of one event type, as documented. */
export function webhookEventExample(type: WebhookEventType): WebhookEvent {
  return {
    id: 'msg_2f1c9d8e7b6a5f4e3d2c1b0a9f',
    type,
    version: WEBHOOK_EVENT_TYPES[type].version,
    timestamp: '2026-12-01T10:00:09.000Z',
    tenantId: '3d6f0a8e-1c2b-4e5f-9a7b-8c9d0e1f2a3b',
    data: WEBHOOK_EVENT_TYPES[type].example as WebhookEventData<WebhookEventType>,
  }
}

/** Validates a body against its type's schema (tests and the test-event route use it). */
export function parseWebhookEvent(body: unknown): WebhookEvent {
  const type = (body as { type?: unknown } | null)?.type
  if (typeof type !== 'string' || !(type in WEBHOOK_EVENT_TYPES))
    throw new Error(`unknown webhook event type ${String(type)}`)
  return envelopeSchema(type as WebhookEventType).parse(body) as WebhookEvent
}
