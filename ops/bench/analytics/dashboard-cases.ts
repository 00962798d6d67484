import type { EndpointCase } from './measure-endpoints.ts'

interface Tile {
  tileId: string
  reportId: string
}

/** Prefix of the one-tile dashboards the bench keeps in its data directory, one per overview tile. */
const SINGLE_TILE = 'bench: overview tile '

/**
 * The built-in overview dashboard rendered over the bench window (`GET /v1/admin/dashboards/{id}` with
 * `from`/`to`), and each of its tiles alone, pinned on a one-tile dashboard of its own and rendered the
 * same way: the dashboard's aim is 2x its slowest tile. Made once per data directory, then found again.
 */
export async function dashboardCases(
  baseUrl: string,
  analystKey: string,
  window: { from: string; to: string },
): Promise<{ tiles: EndpointCase[]; overview: EndpointCase }> {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${baseUrl}/v1/admin${path}`, {
      method,
      headers: {
        authorization: `Bearer ${analystKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    if (!response.ok)
      throw new Error(`${method} /v1/admin${path}: ${response.status} ${await response.text()}`)
    return (await response.json()) as T
  }
  const overview = await call<{ dashboardId: string }>('POST', '/dashboards/overview', { timezone: 'UTC' })
  // Its tiles, from a render (there is no tile listing of its own).
  const { tiles } = await call<{ tiles: Tile[] }>('GET', `/dashboards/${overview.dashboardId}`)
  const { dashboards } = await call<{ dashboards: Array<{ dashboardId: string; name: string }> }>(
    'GET',
    '/dashboards',
  )
  // Dates inclusive: the window's end is exclusive, so the last day is the day before it.
  const query = { from: window.from.slice(0, 10), to: lastDay(window.to) }
  const single: EndpointCase[] = []
  for (const [index, tile] of tiles.entries()) {
    const name = `${SINGLE_TILE}${tile.reportId}`
    let board = dashboards.find((candidate) => candidate.name === name)
    if (!board) {
      board = await call<{ dashboardId: string; name: string }>('POST', '/dashboards', { name })
      await call('POST', `/dashboards/${board.dashboardId}/tiles`, { reportId: tile.reportId })
    }
    single.push({
      label: `overview tile ${index + 1} alone`,
      path: `/v1/admin/dashboards/${board.dashboardId}`,
      query,
      aim: 2,
      kind: 'tile',
    })
  }
  return {
    tiles: single,
    overview: {
      label: `overview dashboard (${tiles.length} tiles)`,
      path: `/v1/admin/dashboards/${overview.dashboardId}`,
      query,
      aim: 2,
      kind: 'dashboard',
    },
  }
}

function lastDay(end: string): string {
  return new Date(Date.parse(end) - 1).toISOString().slice(0, 10)
}
