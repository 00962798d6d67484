import { useState } from 'preact/hooks'
import { api } from '../api.ts'
import { formatTime } from '../format.ts'
import { Empty, ErrorBox, Field, fieldError, html, Loading, PageHeader, useLoad } from '../ui.ts'

interface Connection {
  name: string
  baseUrl: string
  auth: { kind: 'none' | 'bearer' | 'header'; name?: string }
  hasSecret: boolean
  timeoutMs: number
  updatedAt: string
}

interface TestCall {
  name: string
  method: 'GET' | 'POST'
  path: string
  result?: {
    ok: boolean
    status?: number
    latencyMs: number
    body?: unknown
    error?: { kind: string; message: string }
  }
}

type Draft = {
  name: string
  baseUrl: string
  kind: 'none' | 'bearer' | 'header'
  headerName: string
  secret: string
  timeoutMs: number
}
const blank: Draft = {
  name: '',
  baseUrl: 'https://',
  kind: 'none',
  headerName: 'X-Api-Key',
  secret: '',
  timeoutMs: 10_000,
}

/** Connections: list, create, edit (secrets write-only), and a test call that reports status and latency. */
export function ConnectionsPage() {
  const list = useLoad(() => api.get<{ connections: Connection[] }>('/v1/admin/connections'))
  const [draft, setDraft] = useState<Draft>(blank)
  const [editing, setEditing] = useState<string | undefined>()
  const [error, setError] = useState<unknown>()
  const [saved, setSaved] = useState('')
  const [testCall, setTestCall] = useState<TestCall | undefined>()
  const runTestCall = async (event: Event) => {
    event.preventDefault()
    if (!testCall) return
    setError(undefined)
    try {
      const result = await api.post<TestCall['result']>(
        `/v1/admin/connections/${encodeURIComponent(testCall.name)}/test`,
        { method: testCall.method, path: testCall.path },
      )
      setTestCall({ ...testCall, result })
    } catch (caught) {
      setError(caught)
    }
  }
  const set = (patch: Partial<Draft>) => setDraft({ ...draft, ...patch })
  const auth = () =>
    draft.kind === 'none'
      ? { kind: 'none' }
      : draft.kind === 'bearer'
        ? { kind: 'bearer', token: draft.secret }
        : { kind: 'header', name: draft.headerName, value: draft.secret }
  const submit = async (event: Event) => {
    event.preventDefault()
    setError(undefined)
    try {
      if (editing) {
        const body: Record<string, unknown> = { baseUrl: draft.baseUrl, timeoutMs: draft.timeoutMs }
        // Secrets are write-only: an empty field keeps the stored one.
        if (draft.kind === 'none' || draft.secret) body.auth = auth()
        await api.put(`/v1/admin/connections/${encodeURIComponent(editing)}`, body)
      } else {
        await api.post('/v1/admin/connections', {
          name: draft.name,
          baseUrl: draft.baseUrl,
          timeoutMs: draft.timeoutMs,
          auth: auth(),
        })
      }
      setSaved(editing ?? draft.name)
      setEditing(undefined)
      setDraft(blank)
      list.reload()
    } catch (caught) {
      setError(caught)
    }
  }
  const edit = (connection: Connection) => {
    setEditing(connection.name)
    setError(undefined)
    setDraft({
      name: connection.name,
      baseUrl: connection.baseUrl,
      kind: connection.auth.kind,
      headerName: connection.auth.name ?? 'X-Api-Key',
      secret: '',
      timeoutMs: connection.timeoutMs,
    })
  }
  const remove = async (connection: Connection) => {
    if (!confirm(`Delete the connection "${connection.name}"? Flows that call it will fail.`)) return
    await api
      .delete(`/v1/admin/connections/${encodeURIComponent(connection.name)}`)
      .then(list.reload, setError)
  }
  return html`<section>
    <${PageHeader} title="Connections" />
    <p class="muted">HTTP APIs your flows call (the <code>connection</code> node). Secrets are stored encrypted and never shown again.</p>
    <form class="card form-grid" onSubmit=${submit} aria-label=${editing ? `Edit connection ${editing}` : 'Create a connection'}>
      <h2>${editing ? `Edit “${editing}”` : 'New connection'}</h2>
      <${Field} label="Name" hint="lower-case letters, digits, - and _" error=${fieldError(error, 'name')}>
        <input name="name" value=${draft.name} disabled=${Boolean(editing)} required onInput=${(event: Event) => set({ name: (event.target as HTMLInputElement).value })} />
      </${Field}>
      <${Field} label="Base URL" error=${fieldError(error, 'baseUrl')}>
        <input name="baseUrl" type="url" value=${draft.baseUrl} required onInput=${(event: Event) => set({ baseUrl: (event.target as HTMLInputElement).value })} />
      </${Field}>
      <${Field} label="Authentication" error=${fieldError(error, 'auth')}>
        <select name="auth" value=${draft.kind} onChange=${(event: Event) => set({ kind: (event.target as HTMLSelectElement).value as Draft['kind'] })}>
          <option value="none">None</option><option value="bearer">Bearer token</option><option value="header">API key header</option>
        </select>
      </${Field}>
      ${draft.kind === 'header' && html`<${Field} label="Header name" error=${fieldError(error, 'auth.name')}><input name="headerName" value=${draft.headerName} onInput=${(event: Event) => set({ headerName: (event.target as HTMLInputElement).value })} /></${Field}>`}
      ${
        draft.kind !== 'none' &&
        html`<${Field} label=${draft.kind === 'bearer' ? 'Token' : 'Header value'} hint=${editing ? 'Leave empty to keep the stored secret' : 'Write-only'} error=${fieldError(error, draft.kind === 'bearer' ? 'auth.token' : 'auth.value')}>
        <input name="secret" type="password" autocomplete="off" value=${draft.secret} onInput=${(event: Event) => set({ secret: (event.target as HTMLInputElement).value })} />
      </${Field}>`
      }
      <${Field} label="Timeout (ms)" error=${fieldError(error, 'timeoutMs')}>
        <input name="timeoutMs" type="number" min="100" max="60000" value=${draft.timeoutMs} onInput=${(event: Event) => set({ timeoutMs: Number((event.target as HTMLInputElement).value) })} />
      </${Field}>
      <${ErrorBox} error=${error} />
      <div class="row-actions">
        <button type="submit" class="primary">${editing ? 'Save changes' : 'Create connection'}</button>
        ${
          editing &&
          html`<button type="button" onClick=${() => {
            setEditing(undefined)
            setDraft(blank)
          }}>Cancel</button>`
        }
        ${saved && html`<span role="status" class="muted">Saved “${saved}”.</span>`}
      </div>
    </form>
    ${
      testCall &&
      html`<form class="card form-grid" aria-label=${`Test call to ${testCall.name}`} onSubmit=${runTestCall}>
      <h2>Test call: “${testCall.name}”</h2>
      <p class="muted">One real request with the connection's auth, timeout and address rules, as a flow's connection node makes it.</p>
      <${Field} label="Method">
        <select name="method" value=${testCall.method} onChange=${(event: Event) => setTestCall({ ...testCall, method: (event.target as HTMLSelectElement).value as TestCall['method'], result: undefined })}>
          <option value="GET">GET</option><option value="POST">POST</option>
        </select>
      </${Field}>
      <${Field} label="Path" hint="appended to the base URL, e.g. /orders/42">
        <input name="path" value=${testCall.path} onInput=${(event: Event) => setTestCall({ ...testCall, path: (event.target as HTMLInputElement).value, result: undefined })} />
      </${Field}>
      <div class="row-actions">
        <button type="submit" class="primary">Send</button>
        <button type="button" onClick=${() => setTestCall(undefined)}>Close</button>
      </div>
      ${
        testCall.result &&
        html`<div role="status" data-test-call-result>
        <p>${testCall.result.ok ? `Answered ${testCall.result.status}` : `Failed (${testCall.result.error?.kind}${testCall.result.status ? `, ${testCall.result.status}` : ''}): ${testCall.result.error?.message}`} in ${testCall.result.latencyMs} ms</p>
        ${testCall.result.body !== undefined && html`<pre class="small response-body">${JSON.stringify(testCall.result.body, null, 2).slice(0, 4_000)}</pre>`}
      </div>`
      }
    </form>`
    }
    ${list.loading && html`<${Loading} />`}
    <${ErrorBox} error=${list.error} />
    ${list.data?.connections.length === 0 && html`<${Empty} title="No connections yet">Add your shop's API above; flows reach it by name.</${Empty}>`}
    ${
      list.data &&
      list.data.connections.length > 0 &&
      html`<div class="table-wrap"><table class="data">
      <thead><tr><th scope="col">Name</th><th scope="col">Base URL</th><th scope="col">Auth</th><th scope="col">Timeout</th><th scope="col">Updated</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
      <tbody>${list.data.connections.map(
        (connection) => html`<tr data-connection=${connection.name}>
          <td><strong>${connection.name}</strong></td><td><code>${connection.baseUrl}</code></td>
          <td>${connection.auth.kind}${connection.hasSecret ? ' (secret set)' : ''}</td><td>${connection.timeoutMs} ms</td><td>${formatTime(connection.updatedAt)}</td>
          <td class="row-actions">
            <button type="button" onClick=${() => setTestCall({ name: connection.name, method: 'GET', path: '/' })}>Test call</button>
            <button type="button" onClick=${() => edit(connection)}>Edit</button>
            <button type="button" class="danger" onClick=${() => remove(connection)}>Delete</button>
          </td>
        </tr>`,
      )}</tbody>
    </table></div>`
    }
  </section>`
}
