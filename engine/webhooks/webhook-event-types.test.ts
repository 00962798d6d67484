import { describe, expect, it } from 'vitest'
import {
  parseWebhookEvent,
  WEBHOOK_EVENT_TYPE_NAMES,
  webhookEventExample,
  webhookEventJsonSchema,
} from './webhook-event-types.ts'

describe('webhook event types', () => {
  it('document every type with an example its own schema accepts', () => {
    for (const type of WEBHOOK_EVENT_TYPE_NAMES) {
      const example = webhookEventExample(type)
      expect(parseWebhookEvent(JSON.parse(JSON.stringify(example))), type).toEqual(example)
    }
  })

  it('give each type a JSON Schema of the whole body naming its type and version', () => {
    for (const type of WEBHOOK_EVENT_TYPE_NAMES) {
      const schema = webhookEventJsonSchema(type) as {
        title: string
        required: string[]
        properties: { type: { const: string }; version: { const: number } }
      }
      expect(schema.title).toBe(type)
      expect(schema.required).toEqual(['id', 'type', 'version', 'timestamp', 'tenantId', 'data'])
      expect(schema.properties.type.const).toBe(type)
      expect(schema.properties.version.const).toBe(1)
    }
  })

  it('refuse a body whose data does not match its type', () => {
    const example = webhookEventExample('chat.execution.updated')
    expect(() => parseWebhookEvent({ ...example, data: { status: 'done' } })).toThrow()
    expect(() => parseWebhookEvent({ ...example, type: 'chat.unknown' })).toThrow(
      /unknown webhook event type/,
    )
  })
})
