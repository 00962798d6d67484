import { useState } from 'preact/hooks'
import { api, query } from '../api.ts'
import { formatMoney, formatTime } from '../format.ts'
import { navigate } from '../router.ts'
import { useApp } from '../session.ts'
import { Empty, ErrorBox, Field, html, Loading, PageHeader, useLoad } from '../ui.ts'

interface Execution {
  executionId: string
  intent: string
  flowId: string
  flowVersion: number
  chatSessionId: string
  startedAt: string
  status: string
  updatedAt: string
}
interface Step {
  at: string
  type: string
  blockId?: string
  from?: string
  to?: string
  props: Record<string, unknown>
}

const STATUSES = ['running', 'waiting_input', 'waiting_time', 'completed', 'failed', 'aborted']

/** Executions filtered by intent, status and time; each opens its step trace. */
export function HistoryPage({ id }: { id?: string }) {
  return id ? html`<${ExecutionTrace} id=${id} />` : html`<${ExecutionList} />`
}

function ExecutionList() {
  const { names } = useApp()
  const [filters, setFilters] = useState({ intent: '', status: '', from: '', to: '' })
  const list = useLoad(
    () =>
      api.get<{ executions: Execution[] }>(
        `/v1/admin/executions${query({
          intent: filters.intent,
          status: filters.status,
          from: filters.from ? new Date(filters.from).toISOString() : undefined,
          to: filters.to ? new Date(filters.to).toISOString() : undefined,
          limit: 100,
        })}`,
      ),
    [filters.intent, filters.status, filters.from, filters.to],
  )
  const set = (key: keyof typeof filters) => (event: Event) =>
    setFilters({ ...filters, [key]: (event.target as HTMLInputElement).value })
  return html`<section>
    <${PageHeader} title="History" />
    <form class="filters" aria-label="Filter executions" onSubmit=${(event: Event) => event.preventDefault()}>
      <${Field} label="Intent"><select name="intent" value=${filters.intent} onChange=${set('intent')}>
        <option value="">All intents</option>
        ${[...names.intents].map(([intent, name]) => html`<option value=${intent}>${name}</option>`)}
      </select></${Field}>
      <${Field} label="Status"><select name="status" value=${filters.status} onChange=${set('status')}>
        <option value="">Any status</option>${STATUSES.map((status) => html`<option value=${status}>${status.replace('_', ' ')}</option>`)}
      </select></${Field}>
      <${Field} label="From"><input type="datetime-local" name="from" value=${filters.from} onChange=${set('from')} /></${Field}>
      <${Field} label="To"><input type="datetime-local" name="to" value=${filters.to} onChange=${set('to')} /></${Field}>
    </form>
    <${ErrorBox} error=${list.error} />
    ${list.loading && html`<${Loading} />`}
    ${
      list.data?.executions.length === 0 &&
      html`<${Empty} title="No executions match">Chats appear here as visitors use your widget; try the test panel of a flow, or <code>npm run comerix -- demo:generate</code>.</${Empty}>`
    }
    ${
      list.data &&
      list.data.executions.length > 0 &&
      html`<div class="table-wrap"><table class="data clickable">
      <thead><tr><th scope="col">Started</th><th scope="col">Flow</th><th scope="col">Status</th><th scope="col">Version</th><th scope="col">Execution</th></tr></thead>
      <tbody>${list.data.executions.map(
        (execution) => html`<tr>
          <td>${formatTime(execution.startedAt)}</td>
          <td>${names.flows.get(execution.flowId) ?? execution.intent}</td>
          <td><span class=${`status status-${execution.status}`}>${execution.status.replace('_', ' ')}</span></td>
          <td>v${execution.flowVersion}</td>
          <td><a href=${`#/history/${encodeURIComponent(execution.executionId)}`}>${execution.executionId}</a></td>
        </tr>`,
      )}</tbody>
    </table></div>`
    }
  </section>`
}

function ExecutionTrace({ id }: { id: string }) {
  const { names } = useApp()
  const trace = useLoad(
    () => api.get<Execution & { steps: Step[] }>(`/v1/admin/executions/${encodeURIComponent(id)}`),
    [id],
  )
  const data = trace.data
  const llm = data?.steps.filter((step) => step.type === 'llm.call') ?? []
  const tokens = llm.reduce((sum, step) => sum + Number(step.props.total_tokens ?? 0), 0)
  const cost = llm.reduce((sum, step) => sum + Number(step.props.cost_micros ?? 0), 0)
  return html`<section>
    <${PageHeader} title="Execution trace"><button type="button" onClick=${() => navigate('/history')}>Back to history</button></${PageHeader}>
    <${ErrorBox} error=${trace.error} />
    ${trace.loading && html`<${Loading} />`}
    ${
      data &&
      html`<dl class="facts">
        <div><dt>Flow</dt><dd>${names.flows.get(data.flowId) ?? data.intent} (v${data.flowVersion})</dd></div>
        <div><dt>Status</dt><dd><span class=${`status status-${data.status}`}>${data.status.replace('_', ' ')}</span></dd></div>
        <div><dt>Started</dt><dd>${formatTime(data.startedAt)}</dd></div>
        <div><dt>LLM calls</dt><dd>${llm.length}: ${tokens} tokens, ${formatMoney(cost, 'USD')}</dd></div>
        <div><dt>Chat session</dt><dd><code>${data.chatSessionId}</code></dd></div>
      </dl>
      <ol class="trace" aria-label="Steps">
        ${data.steps.map(
          (step) => html`<li class=${`step step-${step.type.replaceAll('.', '-')}`}>
            <time>${formatTime(step.at)}</time>
            <strong>${describeStep(step)}</strong>
            ${step.blockId && html` <span class="muted">at node</span> <code>${step.blockId}</code>`}
            ${stepDetails(step)}
          </li>`,
        )}
      </ol>`
    }
  </section>`
}

function describeStep(step: Step): string {
  switch (step.type) {
    case 'chat.message.received':
      return step.props.kind === 'trigger' ? 'Triggered' : 'Message received'
    case 'chat.block.rendered':
      return `Block rendered (${String(step.props.block_type ?? '')})`
    case 'chat.execution.status_changed':
      return `Status ${step.from ?? ''} → ${step.to ?? ''}`
    case 'chat.form.submitted':
      return 'Form submitted'
    case 'llm.call':
      return `LLM call: ${String(step.props.model ?? '')}`
    default:
      return step.type
  }
}

function stepDetails(step: Step) {
  if (step.type === 'llm.call') {
    const props = step.props
    return html`<div class="muted small">${props.prompt_tokens} prompt + ${props.completion_tokens} completion = ${props.total_tokens} tokens · ${formatMoney(Number(props.cost_micros ?? 0), 'USD')} · ${props.latency_ms} ms · ${props.outcome}${props.error ? html` · <span class="error-text">${String(props.error)}</span>` : ''}</div>`
  }
  const error = step.props.error ?? step.props.reason
  return error ? html`<div class="error-text small">${String(error)}</div>` : null
}
