import { CronExpressionParser } from 'cron-parser'
import { useMemo, useState } from 'preact/hooks'
import { api } from '../api.ts'
import { formatTime } from '../format.ts'
import { ErrorBox, Field, fieldError, html, useLoad } from '../ui.ts'

interface Schedule {
  id: string
  reportId: string
  cron: string
  timezone: string
  format: string
  endpointUrl: string
  paused: boolean
  nextRuns: { at: string; local: string }[]
}
interface Run {
  id: string
  status: string
  trigger: string
  scheduledFor: string
  finishedAt: string | null
  rows: number
  httpStatus: number
  error: string
  download: { path: string; expiresAt: string } | null
}

/** The next runs of a cron in a timezone, read as people read dates there (or the parser's complaint). */
export function previewCron(cron: string, timezone: string, count = 5): { runs: string[]; error?: string } {
  try {
    const expression = CronExpressionParser.parse(cron.trim(), { tz: timezone })
    const format = new Intl.DateTimeFormat('en-GB', {
      timeZone: timezone,
      dateStyle: 'full',
      timeStyle: 'short',
    })
    return { runs: expression.take(count).map((date) => format.format(date.toDate())) }
  } catch (error) {
    return { runs: [], error: (error as Error).message }
  }
}

function formatInZone(iso: string, timezone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    dateStyle: 'medium',
    timeStyle: 'short',
  }).format(new Date(iso))
}

/** Schedules of a report: cron + timezone with the next runs previewed, delivery endpoint, run history. */
export function SchedulePanel({ reportId, timezone }: { reportId: string; timezone: string }) {
  const schedules = useLoad(() => api.get<{ schedules: Schedule[] }>('/v1/admin/report-schedules'))
  const mine = (schedules.data?.schedules ?? []).filter((schedule) => schedule.reportId === reportId)
  const [form, setForm] = useState({ cron: '0 8 * * 1', timezone, format: 'pdf', endpointUrl: 'https://' })
  const [error, setError] = useState<unknown>()
  const [secret, setSecret] = useState('')
  const preview = useMemo(() => previewCron(form.cron, form.timezone), [form.cron, form.timezone])
  const set = (key: keyof typeof form) => (event: Event) =>
    setForm({ ...form, [key]: (event.target as HTMLInputElement).value })
  const create = async (event: Event) => {
    event.preventDefault()
    setError(undefined)
    try {
      const created = await api.post<Schedule & { secret: string }>('/v1/admin/report-schedules', {
        reportId,
        ...form,
      })
      setSecret(created.secret)
      schedules.reload()
    } catch (caught) {
      setError(caught)
    }
  }
  return html`<section class="card panel" aria-label="Schedule">
    <h3>Schedule</h3>
    <form class="form-row" onSubmit=${create}>
      <${Field} label="Cron" hint="minute hour day month weekday" error=${fieldError(error, 'cron') ?? preview.error}><input name="cron" value=${form.cron} onInput=${set('cron')} /></${Field}>
      <${Field} label="Timezone" error=${fieldError(error, 'timezone')}><input name="scheduleTimezone" list="timezones" value=${form.timezone} onChange=${set('timezone')} /></${Field}>
      <${Field} label="Format"><select name="format" value=${form.format} onChange=${set('format')}>${['csv', 'xlsx', 'pdf', 'json'].map((format) => html`<option value=${format}>${format.toUpperCase()}</option>`)}</select></${Field}>
      <${Field} label="Delivery endpoint" hint="Each run POSTs its file here, signed (Standard Webhooks)" error=${fieldError(error, 'endpointUrl')}><input name="endpointUrl" type="url" value=${form.endpointUrl} onInput=${set('endpointUrl')} /></${Field}>
      <button type="submit" class="primary" disabled=${Boolean(preview.error)}>Schedule</button>
    </form>
    ${preview.runs.length > 0 && html`<div class="next-runs"><span class="label">Next runs (${form.timezone})</span><ol>${preview.runs.map((run) => html`<li>${run}</li>`)}</ol></div>`}
    <${ErrorBox} error=${error} />
    ${secret && html`<p class="notice" role="status">Scheduled. Signing secret (shown once): <code>${secret}</code></p>`}
    ${mine.map((schedule) => html`<${ScheduleRow} schedule=${schedule} onChange=${schedules.reload} />`)}
  </section>`
}

function ScheduleRow({ schedule, onChange }: { schedule: Schedule; onChange: () => void }) {
  const runs = useLoad(
    () => api.get<{ runs: Run[] }>(`/v1/admin/report-schedules/${schedule.id}/runs`),
    [schedule.id],
  )
  const act = async (path: string) => {
    await api.post(`/v1/admin/report-schedules/${schedule.id}/${path}`)
    onChange()
    runs.reload()
  }
  return html`<div class="schedule" data-schedule=${schedule.id}>
    <p><code>${schedule.cron}</code> in ${schedule.timezone} → ${schedule.format.toUpperCase()} to <code>${schedule.endpointUrl}</code> ${schedule.paused ? '(paused)' : ''}</p>
    <p class="muted small">Next: ${
      schedule.nextRuns
        .slice(0, 3)
        .map((run) => formatInZone(run.at, schedule.timezone))
        .join(' · ') || '—'
    }</p>
    <div class="row-actions">
      <button type="button" onClick=${() => act('run')}>Run now</button>
      <button type="button" onClick=${() => act(schedule.paused ? 'resume' : 'pause')}>${schedule.paused ? 'Resume' : 'Pause'}</button>
      <button type="button" onClick=${() => runs.reload()}>Refresh runs</button>
    </div>
    <${ErrorBox} error=${runs.error} />
    ${
      (runs.data?.runs.length ?? 0) > 0 &&
      html`<table class="data small"><thead><tr><th scope="col">Run</th><th scope="col">Status</th><th scope="col">Rows</th><th scope="col">Endpoint</th><th scope="col">File</th></tr></thead><tbody>
      ${runs.data?.runs.map(
        (
          run,
        ) => html`<tr><td>${formatTime(run.scheduledFor)} (${run.trigger})</td><td>${run.status}${run.error && html` <span class="error-text">${run.error}</span>`}</td><td>${run.rows}</td><td>${run.httpStatus || '—'}</td>
        <td>${run.download ? html`<a href=${run.download.path}>download</a>` : '—'}</td></tr>`,
      )}
    </tbody></table>`
    }
  </div>`
}
