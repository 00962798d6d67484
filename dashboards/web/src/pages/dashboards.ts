import { useEffect, useState } from 'preact/hooks'
import { api, query } from '../api.ts'
import { RELATIVE_RANGES, timezones } from '../catalog.ts'
import { Chart } from '../chart.ts'
import { formatTime } from '../format.ts'
import type { AnalyticsResult } from '../result.ts'
import { Kpis, NoData, ResultTable } from '../result-views.ts'
import { navigate, routeQuery } from '../router.ts'
import { useApp } from '../session.ts'
import { Empty, ErrorBox, Field, html, Loading, PageHeader, useLoad } from '../ui.ts'

interface Dashboard {
  dashboardId: string
  name: string
  description: string
  updatedAt: string
}
interface Tile {
  tileId: string
  reportId: string
  title: string
  visualization: 'line' | 'bar' | 'table' | 'kpi'
  size: { width: number; height: number }
  position: { x: number; y: number }
  data?: AnalyticsResult
  error?: { code: string; message: string }
}

const BUILTINS = [
  ['overview', 'Chat commerce overview'],
  ['goals', 'Goals & conversions'],
  ['engagement', 'Chat engagement'],
  ['token_spend', 'Token spend'],
  ['attribution', 'Attribution'],
  ['roi', 'Chat ROI per flow'],
] as const
const localZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'

export function DashboardsPage({ id }: { id?: string }) {
  return id ? html`<${DashboardView} id=${id} />` : html`<${DashboardList} />`
}

function DashboardList() {
  const boards = useLoad(() => api.get<{ dashboards: Dashboard[] }>('/v1/admin/dashboards'))
  const [error, setError] = useState<unknown>()
  const [busy, setBusy] = useState('')
  const installed = new Set(boards.data?.dashboards.map((board) => board.name))
  const install = async (key: string) => {
    setBusy(key)
    setError(undefined)
    try {
      const path =
        key === 'overview' ? '/v1/admin/dashboards/overview' : `/v1/admin/dashboards/builtin/${key}`
      const board = await api.post<Dashboard>(path, { timezone: localZone })
      navigate(`/dashboards/${board.dashboardId}`)
    } catch (caught) {
      setError(caught)
    } finally {
      setBusy('')
    }
  }
  return html`<section>
    <${PageHeader} title="Dashboards" />
    <${ErrorBox} error=${error ?? boards.error} />
    ${boards.loading && html`<${Loading} />`}
    ${boards.data?.dashboards.length === 0 && html`<${Empty} title="No dashboards yet">Install a built-in one below, or pin a report from the Analytics Hub.</${Empty}>`}
    <ul class="cards">${(boards.data?.dashboards ?? []).map(
      (board) =>
        html`<li class="card"><a href=${`#/dashboards/${board.dashboardId}`}><strong>${board.name}</strong></a><p class="muted small">${board.description}</p><p class="muted small">Updated ${formatTime(board.updatedAt)}</p></li>`,
    )}</ul>
    <h2>Built-in dashboards</h2>
    <ul class="builtins">${BUILTINS.map(
      ([key, name]) =>
        html`<li>${name} ${installed.has(name) ? html`<span class="muted small">installed</span>` : html`<button type="button" disabled=${busy === key} onClick=${() => install(key)}>${busy === key ? 'Installing…' : 'Install'}</button>`}</li>`,
    )}</ul>
  </section>`
}

function DashboardView({ id }: { id: string }) {
  const params = routeQuery()
  const [range, setRange] = useState(params.get('range') ?? '')
  const [timezone, setTimezone] = useState(params.get('timezone') ?? '')
  const [refresh, setRefresh] = useState(Number(params.get('refresh') ?? 0))
  const [model, setModel] = useState(params.get('model') ?? '')
  const board = useLoad(
    () =>
      api.get<{ dashboard: Dashboard; tiles: Tile[] }>(
        `/v1/admin/dashboards/${encodeURIComponent(id)}${query({ range, timezone, model })}`,
      ),
    [id, range, timezone, model],
  )
  useEffect(() => {
    if (!refresh) return
    const timer = setInterval(board.reload, refresh * 1000)
    return () => clearInterval(timer)
  }, [refresh, board.reload])
  const loadedAt = board.data ? new Date() : undefined
  return html`<section>
    <${PageHeader} title=${board.data?.dashboard.name ?? 'Dashboard'}>
      <button type="button" onClick=${() => navigate('/dashboards')}>All dashboards</button>
    </${PageHeader}>
    <form class="filters" aria-label="Dashboard range" onSubmit=${(event: Event) => event.preventDefault()}>
      <${Field} label="Date range"><select name="range" value=${range} onChange=${(event: Event) => setRange((event.target as HTMLSelectElement).value)}>
        <option value="">Each report's own</option>${RELATIVE_RANGES.map(([value, label]) => html`<option value=${value}>${label}</option>`)}
      </select></${Field}>
      <${Field} label="Timezone"><input name="timezone" list="dashboard-timezones" placeholder="Each report's own" value=${timezone} onChange=${(event: Event) => setTimezone((event.target as HTMLInputElement).value)} />
        <datalist id="dashboard-timezones">${timezones().map((zone) => html`<option value=${zone} />`)}</datalist></${Field}>
      <${Field} label="Auto-refresh"><select name="refresh" value=${String(refresh)} onChange=${(event: Event) => setRefresh(Number((event.target as HTMLSelectElement).value))}>
        <option value="0">Off</option><option value="30">30 s</option><option value="60">1 min</option><option value="300">5 min</option>
      </select></${Field}>
      ${
        board.data?.tiles.some((tile) => tile.data?.family === 'attribution') &&
        html`<${Field} label="Attribution model">
        <select name="model" value=${model} onChange=${(event: Event) => setModel((event.target as HTMLSelectElement).value)}><option value="">As saved</option>${['last_touch', 'first_touch', 'linear', 'time_decay', 'position_based'].map((value) => html`<option value=${value}>${value.replace('_', ' ')}</option>`)}</select>
      </${Field}>`
      }
      <span class="muted small" aria-live="polite">${board.loading ? 'Refreshing…' : loadedAt ? `Updated ${loadedAt.toLocaleTimeString()}` : ''}</span>
    </form>
    <${ErrorBox} error=${board.error} />
    ${!board.data && board.loading && html`<${Loading} />`}
    ${board.data?.tiles.length === 0 && html`<${Empty} title="No tiles yet">Open a report in the Analytics Hub and pin it here.</${Empty}>`}
    ${
      board.data &&
      html`<div class="tile-grid">${[...board.data.tiles]
        .sort((a, b) => a.position.y - b.position.y || a.position.x - b.position.x)
        .map((tile) => html`<${TileView} tile=${tile} />`)}</div>`
    }
  </section>`
}

function TileView({ tile }: { tile: Tile }) {
  const { names } = useApp()
  const data = tile.data
  const funnel = data?.family === 'engagement' && data.columns.some((column) => column.name === 'block')
  const style = `--span: ${tile.size.width}; min-height: ${tile.size.height * 70}px`
  return html`<article class="tile card" style=${style} data-tile=${tile.tileId} aria-label=${tile.title || 'Tile'}>
    <header><h3><a href=${`#/analytics/${tile.reportId}`} title="Open the report">${tile.title || 'Untitled'}</a></h3></header>
    ${tile.error && html`<p class="error-text">${tile.error.message}</p>`}
    ${data && data.rows.length === 0 && data.totals.every((row) => Object.values(row).every((value) => !value)) && html`<${NoData} />`}
    ${
      data &&
      data.rows.length > 0 &&
      (tile.visualization === 'kpi'
        ? html`<${Kpis} result=${data} />`
        : tile.visualization === 'table'
          ? html`<${ResultTable} result=${data} names=${names} limit=${20} />`
          : html`<${Chart} result=${data} kind=${funnel ? 'funnel' : tile.visualization} names=${names} height=${Math.max(200, tile.size.height * 60)} label=${`Chart of ${tile.title}`} />`)
    }
  </article>`
}
