import type { App } from '../../bin/create-app.ts'
import type { EventRow } from '../../ingest/event-row.ts'
import { waitFor } from './wait-for.ts'

/** Publishes a tenant's fixture rows through the event log and waits until the sink has stored them all. */
export async function publishStored(app: App, tenantId: string, rows: EventRow[]): Promise<void> {
  await app.publisher.publish(rows)
  await waitFor(
    async () => {
      const [row] = await app.db.select<{ n: string }>(
        `SELECT count() AS n FROM ${app.db.tables.events} WHERE tenant_id = {tenantId:UUID}`,
        { tenantId },
      )
      return Number(row?.n) === rows.length
    },
    { message: 'the fixture reached ClickHouse' },
  )
}
