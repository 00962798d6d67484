import { render } from 'preact'
import { useCallback, useEffect, useState } from 'preact/hooks'
import { ApiError, api, setCsrfToken, whenSignedOut } from './api.ts'
import { emptyNames, loadNames, type Names } from './names.ts'
import { AnalyticsHubPage } from './pages/analytics-hub.ts'
import { ConnectionsPage } from './pages/connections.ts'
import { DashboardsPage } from './pages/dashboards.ts'
import { FlowsPage } from './pages/flows.ts'
import { HistoryPage } from './pages/history.ts'
import { OperatorPage } from './pages/operator.ts'
import { SignInPage } from './pages/sign-in.ts'
import { WebhooksPage } from './pages/webhooks.ts'
import { WidgetKeysPage } from './pages/widget-keys.ts'
import { WidgetSettingsPage } from './pages/widget-settings.ts'
import { navigate, useRoute } from './router.ts'
import { Ctx, type Session } from './session.ts'
import { html, Loading } from './ui.ts'
import './styles.css'

const NAV = [
  { path: 'dashboards', label: 'Dashboards', scope: 'analyst' },
  { path: 'analytics', label: 'Analytics Hub', scope: 'analyst' },
  { path: 'flows', label: 'Flows', scope: 'admin' },
  { path: 'history', label: 'History', scope: 'admin' },
  { path: 'connections', label: 'Connections', scope: 'admin' },
  { path: 'widget-keys', label: 'Widget keys', scope: 'admin' },
  { path: 'widget-settings', label: 'Widget settings', scope: 'admin' },
  { path: 'webhooks', label: 'Webhooks', scope: 'admin' },
] as const

function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined)
  const [names, setNames] = useState<Names>(emptyNames())
  const [expired, setExpired] = useState(false)
  const route = useRoute()

  const adopt = useCallback((next: Session | null) => {
    setCsrfToken(next?.csrfToken ?? '')
    setSession(next)
    if (next?.kind === 'tenant') loadNames(next.scopes).then(setNames, () => {})
  }, [])

  useEffect(() => {
    whenSignedOut(() => {
      setExpired(true)
      adopt(null)
    })
    api.get<Session>('/v1/admin/session').then(adopt, (error: unknown) => {
      if (error instanceof ApiError && error.status === 401) adopt(null)
      else adopt(null)
    })
  }, [adopt])

  if (session === undefined)
    return html`<main class="centered"><${Loading} what="Opening the admin panel" /></main>`
  if (session === null)
    return html`<${SignInPage}
      expired=${expired}
      onSignedIn=${(next: Session) => {
        setExpired(false)
        adopt(next)
      }}
    />`

  const can = (scope: 'admin' | 'analyst') =>
    session.scopes.includes('admin') || session.scopes.includes(scope)
  const signOut = async () => {
    await api.delete('/v1/admin/session').catch(() => {})
    adopt(null)
  }
  const context = { session, names, refreshNames: () => loadNames(session.scopes).then(setNames), can }
  const [
    section = session.kind === 'operator' ? 'tenants' : can('analyst') ? 'dashboards' : 'flows',
    ...rest
  ] = route
  const nav =
    session.kind === 'operator'
      ? [{ path: 'tenants', label: 'Tenants', scope: 'admin' }]
      : NAV.filter((item) => can(item.scope))
  return html`<${Ctx.Provider} value=${context}>
    <a class="skip" href="#main">Skip to content</a>
    <div class="shell">
      <nav class="sidebar" aria-label="Sections">
        <div class="brand">Comerix<span>${session.kind === 'operator' ? 'operator' : session.tenant?.name}</span></div>
        <ul>
          ${nav.map(
            (item) =>
              html`<li><a href=${`#/${item.path}`} aria-current=${section === item.path ? 'page' : undefined}>${item.label}</a></li>`,
          )}
        </ul>
        <div class="who">
          <span class="muted">${session.kind === 'operator' ? 'Operator token' : `Scopes: ${session.scopes.join(', ')}`}</span>
          <button type="button" class="link" onClick=${signOut}>Sign out</button>
        </div>
      </nav>
      <main id="main" tabindex="-1">${page(section, rest, session)}</main>
    </div>
  </${Ctx.Provider}>`
}

function page(section: string, rest: string[], session: Session) {
  if (session.kind === 'operator') return html`<${OperatorPage} />`
  switch (section) {
    case 'dashboards':
      return html`<${DashboardsPage} id=${rest[0]} />`
    case 'analytics':
      return html`<${AnalyticsHubPage} reportId=${rest[0]} />`
    case 'flows':
      return html`<${FlowsPage} id=${rest[0]} />`
    case 'history':
      return html`<${HistoryPage} id=${rest[0]} />`
    case 'connections':
      return html`<${ConnectionsPage} />`
    case 'widget-keys':
      return html`<${WidgetKeysPage} />`
    case 'widget-settings':
      return html`<${WidgetSettingsPage} />`
    case 'webhooks':
      return html`<${WebhooksPage} />`
    default:
      navigate('/dashboards')
      return null
  }
}

const root = document.getElementById('app')
if (root) render(html`<${App} />`, root)
