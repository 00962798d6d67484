import { useState } from 'preact/hooks'
import { api } from '../api.ts'
import type { Session } from '../session.ts'
import { ErrorBox, Field, html } from '../ui.ts'

/** Sign in with a tenant's secret key (admin or analyst) or the operator token; the server keeps the key. */
export function SignInPage({
  onSignedIn,
  expired,
}: {
  onSignedIn: (session: Session) => void
  expired: boolean
}) {
  const [mode, setMode] = useState<'key' | 'operator'>('key')
  const [secret, setSecret] = useState('')
  const [error, setError] = useState<unknown>()
  const [busy, setBusy] = useState(false)
  const submit = async (event: Event) => {
    event.preventDefault()
    setBusy(true)
    setError(undefined)
    try {
      const body = mode === 'key' ? { secretKey: secret.trim() } : { operatorToken: secret.trim() }
      const session = await api.post<Session>('/v1/admin/session', body)
      setSecret('')
      onSignedIn(session)
    } catch (caught) {
      setError(caught)
    } finally {
      setBusy(false)
    }
  }
  return html`<main class="centered" id="main">
    <form class="card sign-in" onSubmit=${submit} aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Sign in to Comerix</h1>
      ${expired && html`<p class="notice" role="status">Your session ended. Sign in again: unsaved flow drafts are kept.</p>`}
      <div class="tabs" role="radiogroup" aria-label="Credential">
        <label><input type="radio" name="mode" checked=${mode === 'key'} onChange=${() => setMode('key')} /> Secret key</label>
        <label><input type="radio" name="mode" checked=${mode === 'operator'} onChange=${() => setMode('operator')} /> Operator token</label>
      </div>
      <${Field}
        label=${mode === 'key' ? 'Secret key (sk_…, admin or analyst scope)' : 'Operator token (data/operator.token)'}
        hint="Exchanged for a session cookie; the key is not stored in this browser."
      >
        <input type="password" name="secret" autocomplete="off" required value=${secret} onInput=${(event: Event) => setSecret((event.target as HTMLInputElement).value)} />
      </${Field}>
      <${ErrorBox} error=${error} />
      <button type="submit" class="primary" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
      <p class="muted small">No key? <code>npm run comerix -- tenant:create acme</code> prints one; <code>demo:seed</code> prints the demo tenant's.</p>
    </form>
  </main>`
}
