import { useState } from 'preact/hooks'
import { api } from '../api.ts'
import { formatTime } from '../format.ts'
import { useApp } from '../session.ts'
import { Empty, ErrorBox, html, Loading, PageHeader, useLoad } from '../ui.ts'
import { FlowDetail } from './flow-detail.ts'
import type { FlowSummary } from './flow-summary.ts'

const STARTER = {
  intent: 'new_intent',
  name: 'New flow',
  start: 'hello',
  nodes: [
    {
      id: 'hello',
      type: 'message',
      blocks: [{ kind: 'text', markdown: 'Hello! How can I help?' }],
      next: 'done',
    },
    { id: 'done', type: 'end' },
  ],
}

/** Flows: each intent's flow with its status and versions; one opens the editor. */
export function FlowsPage({ id }: { id?: string }) {
  if (id) return html`<${FlowDetail} flowId=${id} />`
  return html`<${FlowList} />`
}

function FlowList() {
  const { refreshNames } = useApp()
  const list = useLoad(() => api.get<{ flows: FlowSummary[] }>('/v1/admin/flows'))
  const [error, setError] = useState<unknown>()
  const create = async () => {
    setError(undefined)
    try {
      const intent = prompt('Intent name of the new flow (lower case, e.g. gift_finder)', 'gift_finder')
      if (!intent) return
      const created = await api.post<FlowSummary>('/v1/admin/flows', {
        ...STARTER,
        intent,
        name: intent.replaceAll('_', ' '),
      })
      refreshNames()
      location.hash = `#/flows/${created.flowId}`
    } catch (caught) {
      setError(caught)
    }
  }
  return html`<section>
    <${PageHeader} title="Flows"><button type="button" class="primary" onClick=${create}>New flow</button></${PageHeader}>
    <${ErrorBox} error=${error ?? list.error} />
    ${list.loading && html`<${Loading} />`}
    ${
      list.data?.flows.length === 0 &&
      html`<${Empty} title="No flows yet">Create one here, publish it with <code>npm run comerix -- flow:publish</code>, or run <code>npm run comerix -- demo:seed</code> for four examples.</${Empty}>`
    }
    ${
      list.data &&
      list.data.flows.length > 0 &&
      html`<div class="table-wrap"><table class="data">
      <thead><tr><th scope="col">Flow</th><th scope="col">Intent</th><th scope="col">Status</th><th scope="col">Versions</th><th scope="col">Updated</th></tr></thead>
      <tbody>${list.data.flows.map(
        (flow) => html`<tr>
          <td><a href=${`#/flows/${flow.flowId}`}>${flow.name}</a></td>
          <td><code>${flow.intent}</code></td>
          <td>${flow.publishedVersion > 0 ? html`<span class="status status-completed">published v${flow.publishedVersion}</span>` : html`<span class="status">draft</span>`}</td>
          <td>${flow.latestVersion}</td>
          <td>${formatTime(flow.updatedAt)}</td>
        </tr>`,
      )}</tbody>
    </table></div>`
    }
  </section>`
}
