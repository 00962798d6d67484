import { useState } from 'preact/hooks'
import { api } from '../api.ts'
import { formatTime } from '../format.ts'
import { Empty, ErrorBox, Field, fieldError, html, Loading, PageHeader, useLoad } from '../ui.ts'

interface Endpoint {
  endpointId: string
  url: string
  description: string
  eventTypes: string[]
  enabled: boolean
  disabledReason?: 'manual' | 'gone' | 'failing'
  createdAt: string
}

interface Attempt {
  messageId: string
  eventType: string
  trigger: string
  attempt: number
  status: 'delivered' | 'retrying' | 'failed'
  httpStatus: number
  latencyMs: number
  error: string
  attemptedAt: string
  nextAttemptAt?: string
}

const DISABLED = {
  manual: 'disabled',
  gone: 'disabled: answered 410 Gone',
  failing: 'disabled: failing for days',
}

/** Webhook endpoints: create (the signing secret shown once), enable/disable, test event, delivery log, replay. */
export function WebhooksPage() {
  const list = useLoad(() => api.get<{ endpoints: Endpoint[] }>('/v1/admin/webhook-endpoints'))
  const types = useLoad(() => api.get<{ eventTypes: { type: string }[] }>('/v1/admin/webhook-event-types'))
  const [url, setUrl] = useState('https://')
  const [eventTypes, setEventTypes] = useState('chat.execution.*')
  const [error, setError] = useState<unknown>()
  const [secret, setSecret] = useState<{ url: string; secret: string } | undefined>()
  const [open, setOpen] = useState<string | undefined>()
  const patterns = () =>
    eventTypes
      .split(',')
      .map((type) => type.trim())
      .filter(Boolean)
  const act = (run: () => Promise<unknown>) => () => {
    setError(undefined)
    run().then(list.reload, setError)
  }
  const create = async (event: Event) => {
    event.preventDefault()
    setError(undefined)
    try {
      const created = await api.post<Endpoint & { secret: string }>('/v1/admin/webhook-endpoints', {
        url,
        eventTypes: patterns(),
      })
      setSecret({ url: created.url, secret: created.secret })
      setUrl('https://')
      list.reload()
    } catch (caught) {
      setError(caught)
    }
  }
  const path = (endpoint: Endpoint) =>
    `/v1/admin/webhook-endpoints/${encodeURIComponent(endpoint.endpointId)}`
  return html`<section>
    <${PageHeader} title="Webhooks" />
    <p class="muted">Chat events pushed to your endpoints, signed per Standard Webhooks (<code>webhook-id</code>, <code>webhook-timestamp</code>, <code>webhook-signature</code>) and retried for about three days.</p>
    <form class="card form-grid" onSubmit=${create} aria-label="Add a webhook endpoint">
      <h2>New endpoint</h2>
      <${Field} label="URL" error=${fieldError(error, 'url')}>
        <input name="url" type="url" required value=${url} onInput=${(event: Event) => setUrl((event.target as HTMLInputElement).value)} />
      </${Field}>
      <${Field} label="Event types" hint=${`comma-separated; wildcards like chat.execution.*${types.data ? `; known: ${types.data.eventTypes.map((entry) => entry.type).join(', ')}` : ''}`} error=${fieldError(error, 'eventTypes')}>
        <input name="eventTypes" value=${eventTypes} onInput=${(event: Event) => setEventTypes((event.target as HTMLInputElement).value)} />
      </${Field}>
      <${ErrorBox} error=${error} />
      <div class="row-actions"><button type="submit" class="primary">Add endpoint</button></div>
      ${
        secret &&
        html`<div role="status" data-webhook-secret><p>Signing secret for <code>${secret.url}</code>, shown only now:</p><pre class="small">${secret.secret}</pre></div>`
      }
    </form>
    ${list.loading && html`<${Loading} />`}
    <${ErrorBox} error=${list.error} />
    ${list.data?.endpoints.length === 0 && html`<${Empty} title="No webhook endpoints yet">Add one above to receive chat events.</${Empty}>`}
    ${
      list.data &&
      list.data.endpoints.length > 0 &&
      html`<div class="table-wrap"><table class="data">
      <thead><tr><th scope="col">URL</th><th scope="col">Events</th><th scope="col">State</th><th scope="col">Created</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
      <tbody>${list.data.endpoints.map(
        (endpoint) => html`<tr data-endpoint=${endpoint.url}>
          <td><code>${endpoint.url}</code></td><td>${endpoint.eventTypes.join(', ')}</td>
          <td>${endpoint.enabled ? 'enabled' : DISABLED[endpoint.disabledReason ?? 'manual']}</td><td>${formatTime(endpoint.createdAt)}</td>
          <td class="row-actions">
            <button type="button" onClick=${act(() => api.post(`${path(endpoint)}/test`))}>Send test event</button>
            <button type="button" onClick=${() => setOpen(open === endpoint.endpointId ? undefined : endpoint.endpointId)}>Deliveries</button>
            <button type="button" onClick=${act(() => api.patch(path(endpoint), { enabled: !endpoint.enabled }))}>${endpoint.enabled ? 'Disable' : 'Enable'}</button>
            <button type="button" class="danger" onClick=${() => confirm(`Delete the endpoint ${endpoint.url}?`) && act(() => api.delete(path(endpoint)))()}>Delete</button>
          </td>
        </tr>`,
      )}</tbody>
    </table></div>`
    }
    ${open && html`<${Deliveries} endpointPath=${`/v1/admin/webhook-endpoints/${encodeURIComponent(open)}`} />`}
  </section>`
}

/** One endpoint's delivery log, newest first, with a replay per event. */
function Deliveries({ endpointPath }: { endpointPath: string }) {
  const attempts = useLoad(
    () => api.get<{ attempts: Attempt[] }>(`${endpointPath}/attempts?limit=50`),
    [endpointPath],
  )
  const [error, setError] = useState<unknown>()
  const replay = (messageId: string) => {
    setError(undefined)
    api.post(`${endpointPath}/replay`, { messageId }).then(attempts.reload, setError)
  }
  return html`<div class="card" aria-label="Delivery log">
    <div class="row-actions"><h2>Delivery log</h2><button type="button" onClick=${attempts.reload}>Refresh</button></div>
    <${ErrorBox} error=${error ?? attempts.error} />
    ${attempts.data?.attempts.length === 0 && html`<${Empty} title="No deliveries yet">Send a test event, or chat with a flow.</${Empty}>`}
    ${
      attempts.data &&
      attempts.data.attempts.length > 0 &&
      html`<div class="table-wrap"><table class="data" data-delivery-log>
      <thead><tr><th scope="col">When</th><th scope="col">Event</th><th scope="col">Attempt</th><th scope="col">Outcome</th><th scope="col">Latency</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
      <tbody>${attempts.data.attempts.map(
        (attempt) => html`<tr>
          <td>${formatTime(attempt.attemptedAt)}</td><td>${attempt.eventType}</td><td>${attempt.attempt} (${attempt.trigger})</td>
          <td>${attempt.status}${attempt.httpStatus ? ` · HTTP ${attempt.httpStatus}` : ''}${attempt.error ? ` · ${attempt.error}` : ''}${attempt.nextAttemptAt ? ` · next ${formatTime(attempt.nextAttemptAt)}` : ''}</td>
          <td>${attempt.latencyMs} ms</td>
          <td><button type="button" onClick=${() => replay(attempt.messageId)}>Replay</button></td>
        </tr>`,
      )}</tbody>
    </table></div>`
    }
  </div>`
}
