import { WEBHOOK_EVENT_TYPE_NAMES, type WebhookEventType } from './webhook-event-types.ts'

/** The types an endpoint may subscribe to: every type but the test event, which only "send test event" sends. */
export const SUBSCRIBABLE_TYPES = WEBHOOK_EVENT_TYPE_NAMES.filter((type) => type !== 'webhook.test')

/** True when `type` matches one of the filters: an exact name, or `prefix.*` for every type under the prefix. */
export function matchesFilters(filters: readonly string[], type: string): boolean {
  return filters.some((filter) =>
    filter.endsWith('.*') ? type.startsWith(filter.slice(0, -1)) : filter === type,
  )
}

/** Why a filter is refused, or undefined when it names at least one subscribable type. */
export function filterProblem(filter: string): string | undefined {
  if (!/^[a-z]+(\.[a-z_]+)*(\.\*)?$/.test(filter))
    return 'expected an event type (chat.execution.updated) or a wildcard (chat.execution.*)'
  if (!SUBSCRIBABLE_TYPES.some((type) => matchesFilters([filter], type)))
    return `no event type matches "${filter}"; known types: ${SUBSCRIBABLE_TYPES.join(', ')}`
  return undefined
}

export function typesMatching(filters: readonly string[]): WebhookEventType[] {
  return SUBSCRIBABLE_TYPES.filter((type) => matchesFilters(filters, type))
}
