import type { EventType } from './event-type-rules.ts'
import type { ServerEventType } from './server-event-types.ts'

/** Every event type there is: the widget's beacons (event-type-rules.ts) and the server's own (server-event-types.ts). */
export type KnownEventType = EventType | ServerEventType

/**
 * Event types as a SQL list of literals (`'a', 'b'`). Readers name types through this, so renaming a type
 * in its registry fails to compile where it is read instead of silently matching nothing.
 */
export function sqlTypes(...types: KnownEventType[]): string {
  return types.map((type) => `'${type}'`).join(', ')
}
