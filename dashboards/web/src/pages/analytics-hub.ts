import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiError, api } from '../api.ts'
import {
  FAMILY_LABELS,
  type Family,
  loadCatalog,
  RELATIVE_RANGES,
  type ReportSpec,
  type SavedReport,
  timezones,
} from '../catalog.ts'
import { Chart } from '../chart.ts'
import type { AnalyticsResult } from '../result.ts'
import { Kpis, ResultTable } from '../result-views.ts'
import { navigate } from '../router.ts'
import { useApp } from '../session.ts'
import { Empty, ErrorBox, Field, fieldError, html, Loading, PageHeader, saveBlob, useLoad } from '../ui.ts'
import { PinPanel } from './pin-panel.ts'
import { SchedulePanel } from './schedule-panel.ts'

const localZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'
const newSpec = (): ReportSpec => ({
  title: 'New report',
  family: 'engagement',
  metrics: ['chat_sessions', 'engaged_sessions'],
  dimensions: [],
  filters: {},
  dateRange: { range: 'last_30_days' },
  granularity: 'day',
  timezone: localZone,
  compareToPreviousPeriod: false,
  options: {},
  sort: [],
  visualization: 'line',
})

/** Analytics Hub: saved reports, and the builder with a live chart and table. */
export function AnalyticsHubPage({ reportId }: { reportId?: string }) {
  const reports = useLoad(() => api.get<{ reports: SavedReport[] }>('/v1/admin/reports'), [reportId])
  return html`<section class="hub">
    <${PageHeader} title="Analytics Hub"><button type="button" class="primary" onClick=${() => navigate('/analytics/new')}>New report</button></${PageHeader}>
    <div class="hub-layout">
      <nav class="report-list" aria-label="Saved reports">
        <h2>Saved reports</h2>
        ${reports.loading && html`<${Loading} />`}
        <${ErrorBox} error=${reports.error} />
        ${reports.data?.reports.length === 0 && html`<p class="muted">None yet: build one and save it.</p>`}
        <ul>${(reports.data?.reports ?? []).map(
          (
            report,
          ) => html`<li><a href=${`#/analytics/${report.reportId}`} aria-current=${report.reportId === reportId ? 'page' : undefined}>${report.spec.title}</a>
            <span class="muted small">${FAMILY_LABELS[report.spec.family] ?? report.spec.family}</span></li>`,
        )}</ul>
      </nav>
      ${
        reportId
          ? html`<${Builder} key=${reportId} reportId=${reportId === 'new' ? undefined : reportId} onSaved=${reports.reload} />`
          : html`<${Empty} title="Pick a saved report or build a new one">Reports query the semantic layer: engagement, goals, conversions, token spend and attribution.</${Empty}>`
      }
    </div>
  </section>`
}

function Builder({ reportId, onSaved }: { reportId?: string; onSaved: () => void }) {
  const { names } = useApp()
  const catalog = useLoad(loadCatalog)
  const saved = useLoad(
    () => (reportId ? api.get<SavedReport>(`/v1/admin/reports/${reportId}`) : Promise.resolve(undefined)),
    [reportId],
  )
  const [spec, setSpec] = useState<ReportSpec | undefined>(reportId ? undefined : newSpec())
  const [result, setResult] = useState<AnalyticsResult | undefined>()
  const [error, setError] = useState<unknown>()
  const [saveError, setSaveError] = useState<unknown>()
  const [running, setRunning] = useState(false)
  const [notice, setNotice] = useState('')
  useEffect(() => {
    if (saved.data) setSpec(saved.data.spec)
  }, [saved.data])

  // Live preview: the spec runs a moment after the last change.
  const timer = useRef<number | undefined>(undefined)
  useEffect(() => {
    if (!spec) return
    clearTimeout(timer.current)
    timer.current = window.setTimeout(async () => {
      setRunning(true)
      try {
        const body = await api.post<{ result: AnalyticsResult }>('/v1/admin/reports/preview', { spec })
        setResult(body.result)
        setError(undefined)
      } catch (caught) {
        setError(caught)
      } finally {
        setRunning(false)
      }
    }, 350)
    return () => clearTimeout(timer.current)
  }, [spec])

  if (saved.error) return html`<${ErrorBox} error=${saved.error} />`
  if (!spec || !catalog.data) return html`<${Loading} />`
  const family = catalog.data.find((entry) => entry.name === spec.family) as Family | undefined
  const set = (patch: Partial<ReportSpec>) => setSpec({ ...spec, ...patch })
  const toggle = (list: string[], name: string, on: boolean) =>
    on ? [...list, name] : list.filter((entry) => entry !== name)
  const save = async () => {
    setSaveError(undefined)
    try {
      if (reportId) await api.put(`/v1/admin/reports/${reportId}`, { spec })
      else {
        const created = await api.post<SavedReport>('/v1/admin/reports', { spec })
        navigate(`/analytics/${created.reportId}`)
      }
      setNotice('Saved.')
      onSaved()
    } catch (caught) {
      setSaveError(caught)
    }
  }
  const download = async (format: string) => {
    setSaveError(undefined)
    const response = await fetch(`/v1/admin/reports/${reportId}/export?format=${format}`, {
      credentials: 'same-origin',
    })
    if (!response.ok) {
      const body = await response.json().catch(() => ({}))
      setSaveError(
        new ApiError(response.status, body.error ?? { code: 'export_failed', message: response.statusText }),
      )
      return
    }
    const name =
      /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? `report.${format}`
    saveBlob(await response.blob(), name)
  }
  const isFunnel =
    spec.dimensions.length === 1 && spec.dimensions[0] === 'block' && spec.family === 'engagement'
  const range = 'range' in spec.dateRange ? spec.dateRange.range : 'custom'
  return html`<div class="builder">
    <form class="card builder-form" aria-label="Report definition" onSubmit=${(event: Event) => {
      event.preventDefault()
      void save()
    }}>
      <${Field} label="Title" error=${fieldError(saveError, 'spec.title')}><input name="title" value=${spec.title} onInput=${(event: Event) => set({ title: (event.target as HTMLInputElement).value })} /></${Field}>
      <${Field} label="Family" hint=${family?.description}>
        <select name="family" value=${spec.family} onChange=${(event: Event) => {
          const next = catalog.data?.find((entry) => entry.name === (event.target as HTMLSelectElement).value)
          if (next)
            set({
              family: next.name,
              metrics: [next.metrics[0]?.name ?? ''],
              dimensions: [],
              filters: {},
              options: {},
              sort: [],
            })
        }}>${catalog.data.map((entry) => html`<option value=${entry.name}>${FAMILY_LABELS[entry.name] ?? entry.name}</option>`)}</select>
      </${Field}>
      <fieldset class="field checklist"><legend class="label">Metrics</legend>
        ${family?.metrics.map((metric) => html`<label title=${metric.description}><input type="checkbox" name="metric" value=${metric.name} checked=${spec.metrics.includes(metric.name)} onChange=${(event: Event) => set({ metrics: toggle(spec.metrics, metric.name, (event.target as HTMLInputElement).checked) })} /> ${metric.label}</label>`)}
      </fieldset>
      <fieldset class="field checklist"><legend class="label">Group by</legend>
        ${family?.dimensions.map((dimension) => html`<label title=${dimension.description}><input type="checkbox" name="dimension" value=${dimension.name} checked=${spec.dimensions.includes(dimension.name)} onChange=${(event: Event) => set({ dimensions: toggle(spec.dimensions, dimension.name, (event.target as HTMLInputElement).checked) })} /> ${dimension.label}</label>`)}
      </fieldset>
      <${Filters} family=${family} filters=${spec.filters} onChange=${(filters: Record<string, string[]>) => set({ filters })} />
      <div class="form-row">
        <${Field} label="Date range">
          <select name="range" value=${range} onChange=${(event: Event) => {
            const value = (event.target as HTMLSelectElement).value
            const today = new Date().toISOString().slice(0, 10)
            set({ dateRange: value === 'custom' ? { from: today, to: today } : { range: value } })
          }}>${RELATIVE_RANGES.map(([value, label]) => html`<option value=${value}>${label}</option>`)}<option value="custom">Custom dates</option></select>
        </${Field}>
        ${
          'from' in spec.dateRange &&
          html`<${Field} label="From"><input type="date" name="from" value=${spec.dateRange.from.slice(0, 10)} onChange=${(event: Event) => set({ dateRange: { from: (event.target as HTMLInputElement).value, to: 'to' in spec.dateRange ? spec.dateRange.to : '' } })} /></${Field}>
        <${Field} label="To"><input type="date" name="to" value=${spec.dateRange.to.slice(0, 10)} onChange=${(event: Event) => set({ dateRange: { from: 'from' in spec.dateRange ? spec.dateRange.from : '', to: (event.target as HTMLInputElement).value } })} /></${Field}>`
        }
        <${Field} label="Granularity"><select name="granularity" value=${spec.granularity} onChange=${(event: Event) => set({ granularity: (event.target as HTMLSelectElement).value })}>
          ${['hour', 'day', 'week', 'month', 'total'].map((value) => html`<option value=${value}>${value}</option>`)}
        </select></${Field}>
        <${Field} label="Timezone" error=${fieldError(error, 'timezone')}><input name="timezone" list="timezones" value=${spec.timezone} onChange=${(event: Event) => set({ timezone: (event.target as HTMLInputElement).value })} /></${Field}>
        <datalist id="timezones">${timezones().map((zone) => html`<option value=${zone} />`)}</datalist>
      </div>
      <label><input type="checkbox" name="compare" checked=${spec.compareToPreviousPeriod} onChange=${(event: Event) => set({ compareToPreviousPeriod: (event.target as HTMLInputElement).checked })} /> Compare to the previous period</label>
      <${Options} family=${family} options=${spec.options} onChange=${(options: ReportSpec['options']) => set({ options })} />
      <${Field} label="Chart"><select name="visualization" value=${spec.visualization} onChange=${(event: Event) => set({ visualization: (event.target as HTMLSelectElement).value as ReportSpec['visualization'] })}>
        <option value="line">Line</option><option value="bar">Bar</option><option value="kpi">KPI</option><option value="table">Table</option>
      </select></${Field}>
      <${ErrorBox} error=${saveError} />
      <div class="row-actions">
        <button type="submit" class="primary">${reportId ? 'Save changes' : 'Save report'}</button>
        ${notice && html`<span role="status" class="muted">${notice}</span>`}
      </div>
      ${
        reportId &&
        html`<div class="row-actions" aria-label="Export">
        <span class="label">Export</span>
        ${['csv', 'xlsx', 'pdf', 'json'].map((format) => html`<button type="button" onClick=${() => download(format)}>${format.toUpperCase()}</button>`)}
      </div>`
      }
    </form>
    <div class="preview" aria-live="polite" aria-busy=${running}>
      <h2>${spec.title} ${running && html`<span class="muted small">running…</span>`}</h2>
      <${ErrorBox} error=${error} />
      ${
        result &&
        html`${result.range && html`<p class="muted small">${new Date(result.range.from).toLocaleDateString()} – ${new Date(new Date(result.range.to).getTime() - 1).toLocaleDateString()} · ${result.range.timezone} · ${result.range.granularity}</p>`}
        ${(spec.visualization === 'kpi' || spec.compareToPreviousPeriod) && html`<${Kpis} result=${result} />`}
        ${
          result.rows.length > 0 &&
          spec.visualization !== 'table' &&
          spec.visualization !== 'kpi' &&
          html`<${Chart} result=${result} kind=${isFunnel ? 'funnel' : spec.visualization === 'bar' ? 'bar' : 'line'} names=${names} label=${`Chart of ${spec.title}`} />`
        }
        <${ResultTable} result=${result} names=${names} />`
      }
      ${reportId && html`<${PinPanel} reportId=${reportId} /><${SchedulePanel} reportId=${reportId} timezone=${spec.timezone} />`}
    </div>
  </div>`
}

function Filters({
  family,
  filters,
  onChange,
}: {
  family?: Family
  filters: Record<string, string[]>
  onChange: (filters: Record<string, string[]>) => void
}) {
  const [dimension, setDimension] = useState('')
  const [value, setValue] = useState('')
  if (!family) return null
  return html`<fieldset class="field"><legend class="label">Filters</legend>
    ${Object.entries(filters).map(
      ([
        name,
        values,
      ]) => html`<div class="chip">${family.dimensions.find((entry) => entry.name === name)?.label ?? name} = ${values.join(' or ')}
        <button type="button" class="link" aria-label=${`Remove filter ${name}`} onClick=${() => {
          const next = { ...filters }
          delete next[name]
          onChange(next)
        }}>×</button></div>`,
    )}
    <div class="form-row">
      <select aria-label="Filter dimension" value=${dimension} onChange=${(event: Event) => setDimension((event.target as HTMLSelectElement).value)}>
        <option value="">Dimension…</option>${family.dimensions.map((entry) => html`<option value=${entry.name}>${entry.label}</option>`)}
      </select>
      <input aria-label="Filter value" placeholder="value" value=${value} onInput=${(event: Event) => setValue((event.target as HTMLInputElement).value)} />
      <button type="button" disabled=${!dimension || !value} onClick=${() => {
        onChange({ ...filters, [dimension]: [...(filters[dimension] ?? []), value] })
        setValue('')
      }}>Add filter</button>
    </div>
  </fieldset>`
}

function Options({
  family,
  options,
  onChange,
}: {
  family?: Family
  options: ReportSpec['options']
  onChange: (options: ReportSpec['options']) => void
}) {
  const properties = Object.entries(family?.options.properties ?? {})
  if (properties.length === 0) return null
  return html`<fieldset class="field"><legend class="label">${FAMILY_LABELS[family?.name ?? ''] ?? ''} options</legend><div class="form-row">
    ${properties.map(([name, schema]) => {
      const current = options[name] ?? (schema.default as string | number | undefined) ?? ''
      const update = (value: string) => {
        const next = { ...options }
        if (value === '') delete next[name]
        else next[name] = schema.type === 'number' || schema.type === 'integer' ? Number(value) : value
        onChange(next)
      }
      return html`<${Field} label=${name.replaceAll('_', ' ')} hint=${schema.description}>${
        schema.enum
          ? html`<select name=${name} value=${String(current)} onChange=${(event: Event) => update((event.target as HTMLSelectElement).value)}>${schema.enum.map((value) => html`<option value=${value}>${value.replaceAll('_', ' ')}</option>`)}</select>`
          : html`<input name=${name} type=${schema.type === 'number' || schema.type === 'integer' ? 'number' : 'text'} value=${String(current)} onChange=${(event: Event) => update((event.target as HTMLInputElement).value)} />`
      }</${Field}>`
    })}
  </div></fieldset>`
}
