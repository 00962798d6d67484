import { z } from 'zod'
import { intentName } from '../../platform/tenancy/tenancy-schemas.ts'

/**
 * The flow document: what a tenant publishes for an intent. Nodes are data; each node type has one
 * schema here and one executor in engine/runtime/nodes/. Text fields may use `{{variable}}` templates.
 */
export const nodeId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected 1-64 letters, digits, _ or -')
export const variableName = z
  .string()
  .regex(/^[a-z_][a-z0-9_]{0,63}$/, 'expected a lowercase identifier (letters, digits, underscore)')

const text = z.string().min(1).max(4_000)
const httpUrl = z.url({ protocol: /^https?$/ }).max(2_048)
/**
 * An http(s) URL, or a template that renders one (`{{product.url}}`), so cards can show data a connection
 * fetched. The interpreter must re-check the rendered value is an http(s) URL before sending it.
 */
const urlOrTemplate = z
  .string()
  .max(2_048)
  .regex(/^(https?:\/\/|\{\{)/, { message: 'expected an http(s) URL or a {{template}}', abort: true })
  .refine(
    (value) => value.startsWith('{{') || httpUrl.safeParse(value).success,
    'expected a valid http(s) URL',
  )

export const productSchema = z.strictObject({
  title: z.string().min(1).max(200),
  description: z.string().max(1_000).optional(),
  price: z.string().max(40).optional().describe('Display price, may be a template: "{{price}} EUR"'),
  imageUrl: urlOrTemplate.optional(),
  url: urlOrTemplate.optional(),
})

export const messageBlockSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('text'), markdown: text }),
  z.strictObject({ kind: z.literal('image'), url: urlOrTemplate, alt: z.string().max(300).default('') }),
  z.strictObject({ kind: z.literal('product_card'), product: productSchema }),
  z.strictObject({ kind: z.literal('carousel'), products: z.array(productSchema).min(1).max(10) }),
  z.strictObject({ kind: z.literal('link_button'), label: z.string().min(1).max(80), url: urlOrTemplate }),
])

export const FIELD_TYPES = [
  'text',
  'email',
  'phone',
  'number',
  'select',
  'multi_select',
  'checkbox',
  'date',
  'file',
] as const

export const formFieldSchema = z.strictObject({
  name: variableName.describe('The variable the value is stored in'),
  label: z.string().min(1).max(200),
  type: z.enum(FIELD_TYPES),
  required: z.boolean().default(false),
  placeholder: z.string().max(200).optional(),
  options: z
    .array(z.strictObject({ label: z.string().min(1).max(200), value: z.string().min(1).max(200) }))
    .min(1)
    .max(100)
    .optional()
    .describe('Choices of select and multi_select fields'),
  min: z.number().optional().describe('number: smallest value; text: shortest length'),
  max: z.number().optional().describe('number: largest value; text: longest length'),
  accept: z
    .array(z.string().regex(/^[\w.+-]+\/[\w.+*-]+$/))
    .max(20)
    .optional()
    .describe('file: MIME types'),
  maxBytes: z.number().int().positive().max(20_971_520).optional().describe('file: size limit'),
})

const next = nodeId.describe('The node that runs next')
const base = { id: nodeId, label: z.string().max(200).optional() }

export const flowNodeSchema = z.discriminatedUnion('type', [
  z.strictObject({
    ...base,
    type: z.literal('message'),
    blocks: z.array(messageBlockSchema).min(1).max(10),
    next,
  }),
  z.strictObject({
    ...base,
    type: z.literal('ask'),
    prompt: text.optional(),
    input: z.discriminatedUnion('kind', [
      z.strictObject({
        kind: z.literal('buttons'),
        variable: variableName,
        options: z
          .array(z.strictObject({ label: z.string().min(1).max(80), value: z.string().min(1).max(200) }))
          .min(1)
          .max(12),
      }),
      z.strictObject({
        kind: z.literal('form'),
        fields: z.array(formFieldSchema).min(1).max(30),
        submitLabel: z.string().min(1).max(40).default('Send'),
      }),
    ]),
    next,
  }),
  z.strictObject({
    ...base,
    type: z.literal('condition'),
    branches: z
      .array(z.strictObject({ when: z.string().min(1).max(1_000).describe('An expression'), next }))
      .min(1)
      .max(20),
    else: next,
  }),
  z.strictObject({
    ...base,
    type: z.literal('set'),
    assign: z
      .array(z.strictObject({ variable: variableName, value: z.string().min(1).max(1_000) }))
      .min(1)
      .max(50),
    next,
  }),
  z.strictObject({
    ...base,
    type: z.literal('connection'),
    connection: z.string().min(1).max(64).describe('Name of a tenant connection'),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
    path: z.string().max(2_000).default('/').describe('Appended to the base URL; may use templates'),
    body: z
      .record(z.string(), z.string().max(2_000))
      .optional()
      .describe('JSON body fields; values are templates'),
    map: z
      .array(z.strictObject({ variable: variableName, path: z.string().min(1).max(200) }))
      .max(50)
      .default([]),
    timeoutMs: z.number().int().min(100).max(60_000).optional(),
    next,
    onError: nodeId
      .optional()
      .describe('Runs when the call fails after retries; without it the execution fails'),
  }),
  z.strictObject({ ...base, type: z.literal('delay'), seconds: z.number().min(0.1).max(86_400), next }),
  z.strictObject({
    ...base,
    type: z.literal('llm'),
    provider: z
      .string()
      .min(1)
      .max(64)
      .default('local')
      .describe(
        '"local" (the built-in responder) or the name of a tenant connection to an OpenAI-compatible API',
      ),
    model: z.string().min(1).max(200),
    system: z.string().max(8_000).optional().describe('System prompt (template)'),
    prompt: z.string().min(1).max(8_000).describe('The request sent as the last user message (template)'),
    history: z
      .number()
      .int()
      .min(0)
      .max(20)
      .default(6)
      .describe("How many earlier conversation messages (before the visitor's latest) are sent along"),
    grounding: z
      .array(z.strictObject({ title: z.string().min(1).max(200), text: z.string().min(1).max(8_000) }))
      .max(50)
      .default([])
      .describe('Snippets the answer rests on: FAQ entries, or product data as "{{product}}" (templates)'),
    temperature: z.number().min(0).max(2).optional(),
    maxTokens: z.number().int().min(1).max(16_384).optional(),
    timeoutMs: z.number().int().min(1_000).max(60_000).default(20_000).describe('Deadline, retries included'),
    variable: variableName.optional().describe('Stores the answer text'),
    showAnswer: z.boolean().default(true).describe('Shows the answer as a text block'),
    next,
    onError: nodeId
      .optional()
      .describe('Runs on a timeout or provider error; without it the execution fails with llm_unavailable'),
  }),
  z.strictObject({
    ...base,
    type: z.literal('goal'),
    goal: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/),
    value: z.string().max(1_000).optional().describe('An expression giving the value'),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .optional(),
    next,
  }),
  z.strictObject({ ...base, type: z.literal('handoff'), message: text, next: nodeId.optional() }),
  z.strictObject({ ...base, type: z.literal('end'), message: text.optional() }),
  z.strictObject({ ...base, type: z.literal('abort'), reason: z.string().max(500).optional() }),
])

export const flowSchema = z.strictObject({
  intent: intentName,
  name: z.string().min(1).max(200),
  description: z.string().max(2_000).optional(),
  variables: z
    .record(variableName, z.union([z.string(), z.number(), z.boolean(), z.null()]))
    .default({})
    .describe('Declared variables and their initial values; the trigger context may override them'),
  start: nodeId,
  nodes: z.array(flowNodeSchema).min(1).max(500),
  exports: z
    .array(variableName)
    .max(100)
    .optional()
    .describe(
      'Variables a shop backend may read: the Engine API execution read and chat.execution.* webhooks carry them; others stay private',
    ),
})

export type Flow = z.output<typeof flowSchema>
export type FlowInput = z.input<typeof flowSchema>
export type FlowNode = Flow['nodes'][number]
export type FlowNodeType = FlowNode['type']
export type FormField = z.output<typeof formFieldSchema>
export type MessageBlock = z.output<typeof messageBlockSchema>
export type Product = z.output<typeof productSchema>
