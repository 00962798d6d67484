import type { App } from '../../bin/create-app.ts'
import { createApp } from '../../bin/create-app.ts'
import type { EventRow } from '../../ingest/event-row.ts'
import { type EventRowInput, eventRow } from '../../ingest/server-event.ts'
import { publishStored } from './publish-stored.ts'
import { tempDir } from './temp-dir.ts'
import { testConfig } from './test-config.ts'

/** A day of traffic for one tenant: chats (one engaged), LLM calls, and two backend sales, one refunded. */
export interface AnalystTenant {
  slug: string
  id: string
  /** A secret key with the analyst scope (the endpoint's password). */
  key: string
  /** A string only this tenant's rows carry, to assert by content that another tenant never sees it. */
  marker: string
}

export interface AnalystWorld {
  app: App
  url: string
  a: AnalystTenant
  b: AnalystTenant
}

export const DAY = '2026-03-10'
const at = (time: string) => Date.parse(`${DAY}T${time}Z`)

function fixture(tenantId: string, marker: string, scale: number): EventRow[] {
  const session = (id: string) => `${marker}-${id}`
  const rows: Array<[Partial<EventRowInput>, EventRow['source']]> = []
  for (const [index, sessionId] of ['s1', 's2', 's3'].entries()) {
    const chat = session(sessionId)
    const base = {
      chat_session_id: chat,
      anonymous_id: `${marker}-anon-${index}`,
      widget_key: `pk_${marker}`,
    }
    rows.push([{ ...base, type: 'chat.session.opened', ts: at(`10:0${index}:00`) }, 'engine'])
    if (index < 2) {
      const run = { ...base, execution_id: `${chat}-e`, intent: 'faq', flow_id: `flow-${marker}-${index}` }
      rows.push([
        { ...run, type: 'chat.message.received', ts: at(`10:0${index}:05`), props: { kind: 'trigger' } },
        'engine',
      ])
      rows.push([
        {
          ...run,
          type: 'llm.call',
          ts: at(`10:0${index}:06`),
          props: {
            call_id: `${chat}-call`,
            provider: 'local',
            model: index === 0 ? 'gpt-x' : 'gpt-y',
            prompt_tokens: 100 * scale,
            cached_prompt_tokens: 0,
            completion_tokens: 20 * scale,
            total_tokens: 120 * scale,
            cost_micros: 1500 * scale,
            cost_source: 'provider',
            price_id: '',
            latency_ms: 30,
            outcome: 'ok',
            error: '',
          },
        },
        'engine',
      ])
    }
  }
  const sale = (id: string, time: string, value: number, anon: string, order: string) =>
    rows.push([
      {
        type: 'conversion',
        ts: at(time),
        anonymous_id: anon,
        customer_id: `${marker}-customer`,
        value_micros: value,
        currency: 'EUR',
        props: { conversion_id: `${marker}-${id}`, order_id: `${marker}-${order}` },
      },
      'backend',
    ])
  sale('c1', '10:20:00', 40_000_000 * scale, `${marker}-anon-0`, 'o1')
  sale('c2', '12:00:00', 25_000_000 * scale, `${marker}-anon-1`, 'o2')
  sale('c3', '15:00:00', -5_000_000 * scale, `${marker}-anon-1`, 'o2')
  return rows.map(([input, source]) =>
    eventRow({ tenant_id: tenantId, type: '', ...input } as EventRowInput, source),
  )
}

/** Starts the app with the analyst endpoint on a free port and two tenants whose data went through the sink. */
export async function startAnalystWorld(env: Record<string, string> = {}): Promise<AnalystWorld> {
  const app = await createApp(
    testConfig(await tempDir(), { SINK_BATCH_WAIT_MS: '50', ANALYST_SQL_PORT: '0', ...env }),
  )
  await app.listen()
  const url = app.analystSql.url()
  if (!url) throw new Error('the analyst endpoint did not start')
  const tenant = async (slug: string, marker: string, scale: number): Promise<AnalystTenant> => {
    const { tenant } = await app.operator.createTenant({ slug })
    const { key } = await app.analystSql.operator.createAnalyst(slug, { name: 'ana' })
    await publishStored(app, tenant.id, fixture(tenant.id, marker, scale))
    return { slug, id: tenant.id, key, marker }
  }
  return { app, url, a: await tenant('shop-a', 'alpha', 1), b: await tenant('shop-b', 'bravo', 3) }
}
