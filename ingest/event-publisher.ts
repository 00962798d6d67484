import type { EventLog } from '../platform/event-log/event-log.ts'
import type { EventRow } from './event-row.ts'
import { EVENTS_TOPIC } from './event-topics.ts'

/**
 * Appends enriched events to the log. Keyed by event_id so every copy of one event (a client retry)
 * lands in the same partition and so reaches the same sink consumer, which removes the duplicate.
 */
export class EventPublisher {
  constructor(private readonly eventLog: EventLog) {}

  async publish(rows: readonly EventRow[]): Promise<void> {
    await this.eventLog.append(
      EVENTS_TOPIC,
      rows.map((row) => ({ key: row.event_id, value: JSON.stringify(row) })),
    )
  }
}
