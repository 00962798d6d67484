import { enrichEvent } from '../../ingest/enrich-event.ts'
import type { EventRow } from '../../ingest/event-row.ts'
import type { TelemetryEvent } from '../../ingest/event-schema.ts'
import { type ServerEventInput, serverEventRow } from '../../ingest/server-event.ts'
import type { ServerEventType } from '../../ingest/server-event-types.ts'
import type { GenerationTarget } from './generation-options.ts'
import type { Prng } from './prng.ts'

/** What a visitor's browser gives every beacon it sends. */
export interface Browser {
  userAgent: string
  country: string
}

export type WidgetEvent = Omit<TelemetryEvent, 'event_id'>
export type ServerEvent<T extends ServerEventType = ServerEventType> = Omit<
  ServerEventInput<T>,
  'tenant_id' | 'event_id' | 'received_at'
> & { ts: number }

/**
 * Builds rows the way the product does: beacons through the intake's enrichment (`source: 'widget'`),
 * engine and backend events through `serverEventRow`. Event ids come from the visitor's generator and
 * start with the run's tag, so a run's rows can be counted once stored and a repeated run is stored once.
 */
export class RowFactory {
  readonly rows: EventRow[] = []

  constructor(
    private readonly target: GenerationTarget,
    private readonly runTag: string,
    private readonly prng: Prng,
  ) {}

  eventId(): string {
    const hex = this.prng.hex(23)
    const variant = '89ab'[this.prng.int(0, 3)]
    return `${this.runTag}-${hex.slice(0, 4)}-4${hex.slice(4, 7)}-${variant}${hex.slice(7, 10)}-${hex.slice(10, 22)}`
  }

  widget(event: WidgetEvent, browser: Browser): EventRow {
    const row = enrichEvent(
      { event_id: this.eventId(), ...event },
      {
        tenantId: this.target.tenantId,
        widgetKey: this.target.widgetKey,
        source: 'widget',
        receivedAt: this.receivedAt(event.ts),
        userAgent: browser.userAgent,
        country: browser.country,
      },
    )
    this.rows.push(row)
    return row
  }

  server<T extends ServerEventType>(
    event: ServerEvent<T>,
    source: EventRow['source'],
    eventId = this.eventId(),
  ): EventRow {
    const row = serverEventRow(
      {
        widget_key: source === 'engine' ? this.target.widgetKey : '',
        ...event,
        tenant_id: this.target.tenantId,
        event_id: eventId,
        received_at: this.receivedAt(event.ts),
      },
      source,
    )
    this.rows.push(row)
    return row
  }

  /** Beacons and engine events reach the server a little after they happen. */
  private receivedAt(ts: number): number {
    return ts + this.prng.int(20, 1500)
  }
}
