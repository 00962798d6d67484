import { WEBHOOK_EVENT_TYPE_NAMES, WEBHOOK_EVENT_TYPES, webhookEventExample } from './webhook-event-types.ts'

/**
 * The "Event types" section of WEBHOOKS.md, generated from the registry (a test compares the two):
 * each type with its version, meaning and example body. The JSON Schemas are served by
 * GET /v1/admin/webhook-event-types.
 */
export function webhookEventsMarkdown(): string {
  return WEBHOOK_EVENT_TYPE_NAMES.map((type) => {
    const entry = WEBHOOK_EVENT_TYPES[type]
    return [
      `### \`${type}\` (version ${entry.version})`,
      '',
      entry.meaning,
      '',
      '```json',
      JSON.stringify(webhookEventExample(type), null, 2),
      '```',
    ].join('\n')
  }).join('\n\n')
}
