import { useState } from 'preact/hooks'
import { api } from '../api.ts'
import { formatTime } from '../format.ts'
import { useApp } from '../session.ts'
import { copyText, Empty, ErrorBox, Field, fieldError, html, Loading, PageHeader, useLoad } from '../ui.ts'

export interface WidgetKey {
  publicKey: string
  name: string
  allowedOrigins: string[]
  allIntents: boolean
  intents: string[]
  createdAt: string
  revoked: boolean
}

export function embedSnippet(key: WidgetKey): string {
  return `<script src="${location.origin}/widget.js" data-key="${key.publicKey}" async></script>`
}

/** Widget keys: list, create (origins; intents or all intents), revoke, copy the embed snippet. */
export function WidgetKeysPage() {
  const { names, refreshNames } = useApp()
  const keys = useLoad(() => api.get<{ widgetKeys: WidgetKey[] }>('/v1/admin/widget-keys'))
  const [form, setForm] = useState({
    name: '',
    origins: location.origin,
    allIntents: true,
    intents: [] as string[],
  })
  const [error, setError] = useState<unknown>()
  const [copied, setCopied] = useState('')
  const intents = [...names.intents.keys()]
  const create = async (event: Event) => {
    event.preventDefault()
    setError(undefined)
    try {
      await api.post('/v1/admin/widget-keys', {
        name: form.name || undefined,
        allowedOrigins: form.origins.split(/[\s,]+/).filter(Boolean),
        allIntents: form.allIntents,
        intents: form.allIntents ? [] : form.intents,
      })
      setForm({ ...form, name: '' })
      keys.reload()
      refreshNames()
    } catch (caught) {
      setError(caught)
    }
  }
  const revoke = async (key: WidgetKey) => {
    if (!confirm(`Revoke the widget key "${key.name || key.publicKey}"? Widgets using it stop working.`))
      return
    await api.delete(`/v1/admin/widget-keys/${encodeURIComponent(key.publicKey)}`).then(keys.reload, setError)
  }
  const live = keys.data?.widgetKeys.filter((key) => !key.revoked) ?? []
  return html`<section>
    <${PageHeader} title="Widget keys" />
    <form class="card form-grid" onSubmit=${create} aria-label="Create a widget key">
      <h2>New widget key</h2>
      <${Field} label="Name" error=${fieldError(error, 'name')}><input name="name" value=${form.name} onInput=${(event: Event) => setForm({ ...form, name: (event.target as HTMLInputElement).value })} placeholder="Shop widget" /></${Field}>
      <${Field} label="Allowed origins" hint="scheme://host[:port], separated by spaces or commas" error=${fieldError(error, 'allowedOrigins')}>
        <input name="origins" value=${form.origins} onInput=${(event: Event) => setForm({ ...form, origins: (event.target as HTMLInputElement).value })} />
      </${Field}>
      <fieldset class="field">
        <legend class="label">Intents</legend>
        <label><input type="checkbox" name="allIntents" checked=${form.allIntents} onChange=${(event: Event) => setForm({ ...form, allIntents: (event.target as HTMLInputElement).checked })} /> All intents (now and future)</label>
        ${
          !form.allIntents &&
          intents.map(
            (intent) =>
              html`<label><input type="checkbox" checked=${form.intents.includes(intent)} onChange=${(
                event: Event,
              ) => {
                const on = (event.target as HTMLInputElement).checked
                setForm({
                  ...form,
                  intents: on ? [...form.intents, intent] : form.intents.filter((entry) => entry !== intent),
                })
              }} /> ${names.intents.get(intent)} <code>${intent}</code></label>`,
          )
        }
        ${fieldError(error, 'intents') && html`<span class="field-error">${fieldError(error, 'intents')}</span>`}
      </fieldset>
      <${ErrorBox} error=${error} />
      <div><button type="submit" class="primary">Create key</button></div>
    </form>
    ${keys.loading && html`<${Loading} />`}
    <${ErrorBox} error=${keys.error} />
    ${keys.data && live.length === 0 && html`<${Empty} title="No widget keys">Create one above to embed the chat widget on your shop.</${Empty}>`}
    ${
      live.length > 0 &&
      html`<div class="table-wrap"><table class="data">
      <thead><tr><th scope="col">Name</th><th scope="col">Key</th><th scope="col">Origins</th><th scope="col">Intents</th><th scope="col">Created</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
      <tbody>${live.map(
        (key) => html`<tr>
          <td>${key.name || '(unnamed)'}</td>
          <td><code>${key.publicKey}</code></td>
          <td>${key.allowedOrigins.join(', ')}</td>
          <td>${key.allIntents ? 'all intents' : key.intents.map((intent) => names.intents.get(intent) ?? intent).join(', ')}</td>
          <td>${formatTime(key.createdAt)}</td>
          <td class="row-actions">
            <button type="button" onClick=${async () => setCopied((await copyText(embedSnippet(key))) ? key.publicKey : `!${key.publicKey}`)}>Copy embed snippet</button>
            <button type="button" class="danger" onClick=${() => revoke(key)}>Revoke</button>
            ${copied === key.publicKey && html`<span role="status" class="muted">Copied</span>`}
            ${copied === `!${key.publicKey}` && html`<textarea readonly class="snippet" aria-label="Embed snippet">${embedSnippet(key)}</textarea>`}
          </td>
        </tr>`,
      )}</tbody>
    </table></div>`
    }
  </section>`
}
