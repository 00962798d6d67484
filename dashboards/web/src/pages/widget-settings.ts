import { useEffect, useState } from 'preact/hooks'
import { api } from '../api.ts'
import { formatTime } from '../format.ts'
import { JsonEditor } from '../json-editor.ts'
import { Empty, ErrorBox, Field, html, Loading, PageHeader, useLoad } from '../ui.ts'
import type { WidgetKey } from './widget-keys.ts'

interface SettingsDetail {
  publicKey: string
  publishedVersion: number
  latestVersion: number
  updatedAt: string
  draft: Record<string, unknown>
}

/**
 * Widget settings per key (greeting, display name, look, launcher, quick questions): edit the draft as
 * JSON, validate, save, publish. The published version is what the public reads and the widget serve.
 */
export function WidgetSettingsPage() {
  const keys = useLoad(() => api.get<{ widgetKeys: WidgetKey[] }>('/v1/admin/widget-keys'))
  const live = keys.data?.widgetKeys.filter((key) => !key.revoked) ?? []
  const [selected, setSelected] = useState<string | undefined>()
  const publicKey = selected ?? live[0]?.publicKey
  return html`<section>
    <${PageHeader} title="Widget settings" />
    <p class="muted">What a widget key's widget shows before a chat starts: display name, greeting, colours, launcher and quick questions. Edit the draft, then publish it; every server serves the new version at once.</p>
    ${keys.loading && html`<${Loading} />`}
    <${ErrorBox} error=${keys.error} />
    ${keys.data && live.length === 0 && html`<${Empty} title="No widget keys yet">Create one under Widget keys first.</${Empty}>`}
    ${
      live.length > 0 &&
      html`<${Field} label="Widget key">
      <select name="widgetKey" value=${publicKey} onChange=${(event: Event) => setSelected((event.target as HTMLSelectElement).value)}>
        ${live.map((key) => html`<option value=${key.publicKey}>${key.name || key.publicKey}</option>`)}
      </select>
    </${Field}>`
    }
    ${publicKey && html`<${SettingsEditor} publicKey=${publicKey} key=${publicKey} />`}
  </section>`
}

function SettingsEditor({ publicKey }: { publicKey: string }) {
  const path = `/v1/admin/widget-settings/${encodeURIComponent(publicKey)}`
  const detail = useLoad(() => api.get<SettingsDetail>(path), [path])
  const [text, setText] = useState('')
  const [error, setError] = useState<unknown>()
  const [notice, setNotice] = useState('')
  useEffect(() => {
    if (detail.data) setText(JSON.stringify(detail.data.draft, null, 2))
  }, [detail.data])
  const run = (label: string, action: (document: unknown) => Promise<unknown>) => async () => {
    setError(undefined)
    setNotice('')
    try {
      await action(JSON.parse(text))
      setNotice(label)
      detail.reload()
    } catch (caught) {
      setError(caught instanceof SyntaxError ? new Error(`The draft is not JSON: ${caught.message}`) : caught)
    }
  }
  if (detail.loading && !detail.data) return html`<${Loading} />`
  return html`<div class="card">
    <${ErrorBox} error=${detail.error} />
    ${
      detail.data &&
      html`<p class="muted" data-settings-version>${detail.data.publishedVersion > 0 ? `Published version ${detail.data.publishedVersion}` : 'Not published yet'} · draft saved ${formatTime(detail.data.updatedAt)}</p>`
    }
    <${JsonEditor} value=${text} onChange=${setText} problems=${[]} schema=${undefined} />
    <${ErrorBox} error=${error} />
    <div class="row-actions">
      <button type="button" onClick=${run('Valid.', (document) => api.post(`${path}/validate`, document))}>Validate</button>
      <button type="button" onClick=${run('Draft saved.', (document) => api.put(path, document))}>Save draft</button>
      <button type="button" class="primary" onClick=${run('Published.', async (document) => {
        await api.put(path, document)
        await api.post(`${path}/publish`)
      })}>Save and publish</button>
      ${notice && html`<span role="status" class="muted">${notice}</span>`}
    </div>
  </div>`
}
