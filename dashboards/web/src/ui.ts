import htm from 'htm'
import { type ComponentChildren, h } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { ApiError } from './api.ts'

export const html = htm.bind(h)

/** Loads `load()` on mount and whenever `deps` change; `reload` runs it again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []) {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true })
  const [tick, setTick] = useState(0)
  useEffect(() => {
    let live = true
    setState((old) => ({ ...old, loading: true }))
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => live && setState({ error, loading: false }),
    )
    return () => {
      live = false
    }
  }, [...deps, tick])
  return { ...state, reload: () => setTick((value) => value + 1) }
}

export function errorText(error: unknown): string {
  if (error instanceof ApiError) return `${error.message} (${error.code})`
  return error instanceof Error ? error.message : String(error)
}

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null
  const problems = error instanceof ApiError ? error.problems() : []
  return html`<div class="error-box" role="alert">
    <strong>${errorText(error)}</strong>
    ${
      problems.length > 0 &&
      html`<ul>
      ${problems.map((problem) => html`<li>${problem.at && html`<code>${problem.at}</code>: `}${problem.message}</li>`)}
    </ul>`
    }
  </div>`
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return html`<p class="muted" aria-live="polite">${what}…</p>`
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return html`<div class="empty"><strong>${title}</strong><div>${children}</div></div>`
}

export function PageHeader({ title, children }: { title: string; children?: ComponentChildren }) {
  return html`<header class="page-header"><h1>${title}</h1><div class="actions">${children}</div></header>`
}

/** An API validation error of one field, shown under it. */
export function fieldError(error: unknown, field: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined
  const hit = error.problems().find((problem) => problem.at === field || problem.at.startsWith(`${field}.`))
  return hit?.message
}

export function Field({
  label,
  error,
  hint,
  children,
}: {
  label: string
  error?: string
  hint?: string
  children: ComponentChildren
}) {
  return html`<label class=${`field ${error ? 'invalid' : ''}`}>
    <span class="label">${label}</span>
    ${children}
    ${hint && !error && html`<span class="hint">${hint}</span>`}
    ${error && html`<span class="field-error" role="alert">${error}</span>`}
  </label>`
}

/** Copies text to the clipboard; falls back to selecting it where the clipboard API is refused. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text)
    return true
  } catch {
    return false
  }
}

/** Saves a response body as a file the way a link click would. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = filename
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
