import { useState } from 'preact/hooks'
import { ApiError, api } from '../api.ts'
import { formatMoney } from '../format.ts'
import { ErrorBox, html, useLoad } from '../ui.ts'
import type { WidgetKey } from './widget-keys.ts'

interface Block {
  id: string
  type: string
  markdown?: string
  label?: string
  url?: string
  alt?: string
  message?: string
  variable?: string
  options?: { label: string; value: string }[]
  fields?: {
    name: string
    label: string
    type: string
    required?: boolean
    options?: { label: string; value: string }[]
    placeholder?: string
  }[]
  submitLabel?: string
  product?: { title: string; description?: string; price?: string; url?: string }
  products?: { title: string; price?: string }[]
}
interface Reply {
  executionId: string
  status: string
  blocks: Block[]
  waitToken?: string
  pollAfterMs?: number
  tokenUsage?: { total_tokens: number; model: string; cost_micros: number }
}
type Entry = {
  who: 'visitor' | 'bot'
  blocks?: Block[]
  text?: string
  status?: string
  usage?: Reply['tokenUsage']
}

/** Runs the published flow like the widget does: a chat session with a widget key, then messages. */
export function TestRunPanel({ intent, published }: { intent: string; published: boolean }) {
  const keys = useLoad(() => api.get<{ widgetKeys: WidgetKey[] }>('/v1/admin/widget-keys'))
  const usable = (keys.data?.widgetKeys ?? []).filter(
    (key) =>
      !key.revoked &&
      key.allowedOrigins.includes(location.origin) &&
      (key.allIntents || key.intents.includes(intent)),
  )
  const [publicKey, setPublicKey] = useState('')
  const [text, setText] = useState('')
  const [log, setLog] = useState<Entry[]>([])
  const [chat, setChat] = useState<{ token: string; key: string; reply?: Reply } | undefined>()
  const [error, setError] = useState<unknown>()
  const key = publicKey || usable[0]?.publicKey || ''

  const call = async <T>(
    method: string,
    path: string,
    token: string | undefined,
    body?: unknown,
  ): Promise<T> => {
    const response = await fetch(path, {
      method,
      headers: {
        'content-type': 'application/json',
        'x-comerix-public-key': key,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const parsed = await response.json().catch(() => ({}))
    if (!response.ok)
      throw new ApiError(
        response.status,
        parsed.error ?? { code: `http_${response.status}`, message: response.statusText },
      )
    return parsed as T
  }
  const settle = async (token: string, reply: Reply): Promise<Reply> => {
    let current = reply
    for (let tries = 0; current.status === 'waiting_time' && tries < 60; tries++) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(2000, current.pollAfterMs ?? 1000)))
      current = await call<Reply>('GET', `/v1/chat/executions/${current.executionId}`, token)
    }
    return current
  }
  const show = (reply: Reply) =>
    setLog((old) => [
      ...old,
      { who: 'bot', blocks: reply.blocks, status: reply.status, usage: reply.tokenUsage },
    ])

  const start = async () => {
    setError(undefined)
    setLog([{ who: 'visitor', text: `▶ ${intent}${text ? `: ${text}` : ''}` }])
    try {
      const session = await call<{ sessionToken: string }>('POST', '/v1/chat/sessions', undefined, {
        publicKey: key,
      })
      const first = await call<Reply>('POST', '/v1/chat/messages', session.sessionToken, {
        intentName: intent,
        ...(text ? { text } : {}),
      })
      show(first)
      const reply = first.status === 'waiting_time' ? await settle(session.sessionToken, first) : first
      if (reply !== first) show(reply)
      setChat({ token: session.sessionToken, key, reply })
    } catch (caught) {
      setError(caught)
    }
  }
  const resume = async (values: Record<string, unknown>, said: string) => {
    if (!chat?.reply?.waitToken) return
    setError(undefined)
    setLog((old) => [...old, { who: 'visitor', text: said }])
    try {
      const next = await call<Reply>('POST', '/v1/chat/messages', chat.token, {
        executionId: chat.reply.executionId,
        waitToken: chat.reply.waitToken,
        values,
      })
      show(next)
      const settled = next.status === 'waiting_time' ? await settle(chat.token, next) : next
      if (settled !== next) show(settled)
      setChat({ ...chat, reply: settled })
    } catch (caught) {
      setError(caught)
    }
  }
  const createKey = async () => {
    try {
      const created = await api.post<WidgetKey>('/v1/admin/widget-keys', {
        name: 'admin test panel',
        allowedOrigins: [location.origin],
        allIntents: true,
      })
      setPublicKey(created.publicKey)
      keys.reload()
    } catch (caught) {
      setError(caught)
    }
  }

  if (!published)
    return html`<p class="muted">Publish the flow to test it: the chat API runs published versions only.</p>`
  return html`<div class="test-run">
    ${
      keys.data && usable.length === 0
        ? html`<p>No widget key allows this page's origin (<code>${location.origin}</code>) for <code>${intent}</code>.
          <button type="button" onClick=${createKey}>Create a test key for this origin</button></p>`
        : html`<label class="field"><span class="label">Widget key</span><select value=${key} onChange=${(event: Event) => setPublicKey((event.target as HTMLSelectElement).value)}>
          ${usable.map((entry) => html`<option value=${entry.publicKey}>${entry.name || entry.publicKey}</option>`)}
        </select></label>`
    }
    <div class="row-actions">
      <input aria-label="Trigger text (optional)" placeholder="Optional text, e.g. How long does shipping take?" value=${text} onInput=${(event: Event) => setText((event.target as HTMLInputElement).value)} />
      <button type="button" class="primary" disabled=${!key} onClick=${start}>Start test chat</button>
    </div>
    <${ErrorBox} error=${error} />
    <ol class="chat-log" aria-label="Test chat" aria-live="polite">
      ${log.map((entry, index) =>
        entry.who === 'visitor'
          ? html`<li class="visitor">${entry.text}</li>`
          : html`<li class="bot">
              ${(entry.blocks ?? []).map((block) => html`<${BlockView} block=${block} active=${index === log.length - 1 && chat?.reply?.waitToken} onResume=${resume} />`)}
              <div class="muted small">status: <span data-status=${entry.status}>${entry.status}</span>${entry.usage && ` · ${entry.usage.total_tokens} tokens (${entry.usage.model}), ${formatMoney(entry.usage.cost_micros, 'USD')}`}</div>
            </li>`,
      )}
    </ol>
  </div>`
}

function BlockView({
  block,
  active,
  onResume,
}: {
  block: Block
  active: unknown
  onResume: (values: Record<string, unknown>, said: string) => void
}) {
  switch (block.type) {
    case 'text':
      return html`<p class="block-text">${block.markdown?.replace(/\*\*/g, '')}</p>`
    case 'link_button':
      return html`<p><a href=${block.url} target="_blank" rel="noopener noreferrer">${block.label}</a></p>`
    case 'image':
      return html`<p class="muted">[image: ${block.alt || block.url}]</p>`
    case 'product_card':
      return html`<div class="product"><strong>${block.product?.title}</strong> ${block.product?.price}<div class="muted small">${block.product?.description}</div></div>`
    case 'carousel':
      return html`<div class="carousel">${(block.products ?? []).map((product) => html`<div class="product"><strong>${product.title}</strong> ${product.price}</div>`)}</div>`
    case 'handoff':
      return html`<p class="notice">Handoff: ${block.message}</p>`
    case 'buttons':
      return html`<div class="row-actions">${(block.options ?? []).map(
        (option) =>
          html`<button type="button" disabled=${!active} onClick=${() => onResume({ [block.variable ?? 'choice']: option.value }, option.label)}>${option.label}</button>`,
      )}</div>`
    case 'form':
      return html`<form class="chat-form" onSubmit=${(event: Event) => {
        event.preventDefault()
        const data = new FormData(event.target as HTMLFormElement)
        const values: Record<string, unknown> = {}
        for (const field of block.fields ?? []) {
          const all = data.getAll(field.name).map(String)
          if (field.type === 'multi_select') values[field.name] = all
          else if (field.type === 'number') values[field.name] = all[0] ? Number(all[0]) : undefined
          else if (field.type === 'checkbox') values[field.name] = all.length > 0
          else if (all[0]) values[field.name] = all[0]
        }
        onResume(values, Object.values(values).flat().join(', '))
      }}>
        ${(block.fields ?? []).map(
          (field) =>
            html`<label class="field"><span class="label">${field.label}</span>${
              field.type === 'select'
                ? html`<select name=${field.name}>${(field.options ?? []).map((option) => html`<option value=${option.value}>${option.label}</option>`)}</select>`
                : field.type === 'multi_select'
                  ? (field.options ?? []).map(
                      (option) =>
                        html`<label><input type="checkbox" name=${field.name} value=${option.value} /> ${option.label}</label>`,
                    )
                  : html`<input name=${field.name} type=${field.type === 'number' ? 'number' : field.type === 'checkbox' ? 'checkbox' : 'text'} placeholder=${field.placeholder ?? ''} required=${field.required && field.type !== 'checkbox'} />`
            }</label>`,
        )}
        <button type="submit" disabled=${!active}>${block.submitLabel ?? 'Send'}</button>
      </form>`
    default:
      return html`<pre class="small">${JSON.stringify(block)}</pre>`
  }
}
