import { useState } from 'preact/hooks'
import { api } from '../api.ts'
import { ErrorBox, html, useLoad } from '../ui.ts'

interface Dashboard {
  dashboardId: string
  name: string
}

/** Pins a saved report to a dashboard (an existing one, or a new one named here). */
export function PinPanel({ reportId }: { reportId: string }) {
  const boards = useLoad(() => api.get<{ dashboards: Dashboard[] }>('/v1/admin/dashboards'))
  const [target, setTarget] = useState('')
  const [newName, setNewName] = useState('')
  const [error, setError] = useState<unknown>()
  const [pinned, setPinned] = useState<Dashboard | undefined>()
  const pin = async () => {
    setError(undefined)
    try {
      let board = boards.data?.dashboards.find(
        (entry) => entry.dashboardId === (target || boards.data?.dashboards[0]?.dashboardId),
      )
      if (target === 'new' || !board)
        board = await api.post<Dashboard>('/v1/admin/dashboards', { name: newName || 'My dashboard' })
      await api.post(`/v1/admin/dashboards/${board.dashboardId}/tiles`, { reportId })
      setPinned(board)
      boards.reload()
    } catch (caught) {
      setError(caught)
    }
  }
  return html`<section class="card panel" aria-label="Pin to a dashboard">
    <h3>Pin to a dashboard</h3>
    <div class="form-row">
      <select aria-label="Dashboard" value=${target} onChange=${(event: Event) => setTarget((event.target as HTMLSelectElement).value)}>
        ${(boards.data?.dashboards ?? []).map((board) => html`<option value=${board.dashboardId}>${board.name}</option>`)}
        <option value="new">New dashboard…</option>
      </select>
      ${(target === 'new' || boards.data?.dashboards.length === 0) && html`<input aria-label="New dashboard name" placeholder="Dashboard name" value=${newName} onInput=${(event: Event) => setNewName((event.target as HTMLInputElement).value)} />`}
      <button type="button" onClick=${pin}>Pin</button>
    </div>
    <${ErrorBox} error=${error} />
    ${pinned && html`<p role="status">Pinned to <a href=${`#/dashboards/${pinned.dashboardId}`}>${pinned.name}</a>.</p>`}
  </section>`
}
