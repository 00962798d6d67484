import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { ApiError, api } from '../api.ts'
import { diffLines } from '../diff.ts'
import { FlowGraph } from '../flow-graph.ts'
import { formatTime } from '../format.ts'
import { JsonEditor, type Problem } from '../json-editor.ts'
import { navigate } from '../router.ts'
import { useApp } from '../session.ts'
import { ErrorBox, html, Loading, PageHeader, useLoad } from '../ui.ts'
import type { FlowSummary } from './flow-summary.ts'
import { TestRunPanel } from './test-run.ts'

type Detail = FlowSummary & { draft: unknown }
interface Version {
  version: number
  name: string
  publishedBy: string
  createdAt: string
}

// Unsaved drafts survive a reload or an expired session (the flow document only, never a credential).
const draftKey = (flowId: string) => `comerix-flow-draft:${flowId}`
const pretty = (value: unknown) => JSON.stringify(value, null, 2)

let schemaPromise: Promise<Record<string, unknown>> | undefined
const loadSchema = () => {
  schemaPromise ??= api.get<Record<string, unknown>>('/v1/admin/flows/schema')
  return schemaPromise
}

/** One flow: JSON editor with the schema and live /validate problems, graph, versions with diff, publish, test run. */
export function FlowDetail({ flowId }: { flowId: string }) {
  const { refreshNames } = useApp()
  const flow = useLoad(() => api.get<Detail>(`/v1/admin/flows/${flowId}`), [flowId])
  const versions = useLoad(
    () => api.get<{ versions: Version[] }>(`/v1/admin/flows/${flowId}/versions`),
    [flowId],
  )
  const schema = useLoad(loadSchema)
  const [text, setText] = useState<string | undefined>()
  const [problems, setProblems] = useState<Problem[]>([])
  const [checked, setChecked] = useState<'ok' | 'problems' | 'invalid_json' | 'pending'>('pending')
  const [message, setMessage] = useState('')
  const [error, setError] = useState<unknown>()
  const [tab, setTab] = useState<'graph' | 'versions' | 'test'>('graph')

  useEffect(() => {
    if (!flow.data) return
    const stored = localStorage.getItem(draftKey(flowId))
    setText(stored ?? pretty(flow.data.draft))
    if (stored && stored !== pretty(flow.data.draft))
      setMessage('Restored your unsaved draft from this browser.')
  }, [flow.data, flowId])

  const saved = flow.data ? pretty(flow.data.draft) : ''
  const dirty = text !== undefined && text !== saved
  useEffect(() => {
    if (text === undefined) return
    if (dirty) localStorage.setItem(draftKey(flowId), text)
    else localStorage.removeItem(draftKey(flowId))
  }, [text, dirty, flowId])

  // Validate with the server (the same rules as save and publish) a moment after typing stops.
  const parsed = useMemo(() => {
    if (text === undefined) return undefined
    try {
      return JSON.parse(text) as Record<string, unknown>
    } catch {
      return undefined
    }
  }, [text])
  const timer = useRef<number | undefined>(undefined)
  useEffect(() => {
    if (text === undefined) return
    if (!parsed) {
      setChecked('invalid_json')
      return
    }
    setChecked('pending')
    clearTimeout(timer.current)
    timer.current = window.setTimeout(async () => {
      try {
        await api.post('/v1/admin/flows/validate', parsed)
        setProblems([])
        setChecked('ok')
      } catch (caught) {
        if (caught instanceof ApiError && caught.code === 'validation_failed') {
          const details = caught.body.details as { problems?: Problem[] } | undefined
          setProblems(details?.problems ?? [{ message: caught.message }])
          setChecked('problems')
        }
      }
    }, 400)
    return () => clearTimeout(timer.current)
  }, [parsed, text])

  const act = async (what: string, run: () => Promise<unknown>) => {
    setError(undefined)
    setMessage('')
    try {
      await run()
      setMessage(what)
      flow.reload()
      versions.reload()
      refreshNames()
    } catch (caught) {
      setError(caught)
    }
  }
  const save = () =>
    act('Draft saved.', async () => {
      if (!parsed) throw new ApiError(400, { code: 'invalid_json', message: 'The draft is not valid JSON.' })
      await api.put(`/v1/admin/flows/${flowId}`, parsed)
      localStorage.removeItem(draftKey(flowId))
    })
  const publish = () =>
    act('Published: new chats run this version.', async () => {
      if (dirty) await save()
      await api.post(`/v1/admin/flows/${flowId}/publish`)
    })
  const unpublish = () =>
    act('Unpublished: running chats finish, new ones cannot start it.', () =>
      api.post(`/v1/admin/flows/${flowId}/unpublish`),
    )
  const remove = async () => {
    if (!confirm('Delete this flow? It is unpublished first.')) return
    await act('Deleted.', () => api.delete(`/v1/admin/flows/${flowId}`))
    navigate('/flows')
  }

  if (flow.error)
    return html`<section><${PageHeader} title="Flow" /><${ErrorBox} error=${flow.error} /></section>`
  if (!flow.data || text === undefined) return html`<${Loading} />`
  const data = flow.data
  const problemNodes = new Set(
    problems.map((problem) => problem.nodeId).filter((id): id is string => Boolean(id)),
  )
  return html`<section class="flow-detail">
    <${PageHeader} title=${data.name}>
      <span class="muted">intent <code>${data.intent}</code> · ${data.publishedVersion > 0 ? `published v${data.publishedVersion}` : 'not published'}</span>
      <button type="button" onClick=${save} disabled=${!dirty}>Save draft</button>
      <button type="button" class="primary" onClick=${publish} disabled=${checked !== 'ok'}>Publish</button>
      ${data.publishedVersion > 0 && html`<button type="button" onClick=${unpublish}>Unpublish</button>`}
      <button type="button" class="danger" onClick=${remove}>Delete</button>
    </${PageHeader}>
    ${message && html`<p class="notice" role="status">${message}</p>`}
    <${ErrorBox} error=${error} />
    <div class="split">
      <div class="editor-pane">
        <div class="editor-status" role="status" aria-live="polite">
          ${checked === 'ok' && html`<span class="ok">✓ Valid flow${dirty ? ' (unsaved)' : ''}</span>`}
          ${checked === 'pending' && html`<span class="muted">Checking…</span>`}
          ${checked === 'invalid_json' && html`<span class="error-text">Not valid JSON yet</span>`}
          ${checked === 'problems' && html`<span class="error-text">${problems.length} problem${problems.length === 1 ? '' : 's'}</span>`}
        </div>
        <${JsonEditor} value=${text} onChange=${setText} problems=${problems} schema=${schema.data} />
        ${
          problems.length > 0 &&
          html`<ul class="problems" aria-label="Problems">${problems.map(
            (problem) =>
              html`<li>${problem.nodeId && html`<code>${problem.nodeId}</code> `}${problem.path && html`<span class="muted">${problem.path}</span> `}${problem.message}</li>`,
          )}</ul>`
        }
      </div>
      <div class="side-pane">
        <div class="tabs" role="tablist">
          ${(['graph', 'versions', 'test'] as const).map(
            (name) =>
              html`<button type="button" role="tab" aria-selected=${tab === name} onClick=${() => setTab(name)}>${{ graph: 'Graph', versions: 'Versions', test: 'Test run' }[name]}</button>`,
          )}
        </div>
        ${tab === 'graph' && html`<div class="graph-wrap"><${FlowGraph} flow=${parsed ?? {}} problems=${problemNodes} /></div>`}
        ${tab === 'versions' && html`<${Versions} flowId=${flowId} versions=${versions.data?.versions ?? []} draft=${text} />`}
        ${tab === 'test' && html`<${TestRunPanel} intent=${data.intent} published=${data.publishedVersion > 0} />`}
      </div>
    </div>
  </section>`
}

function Versions({ flowId, versions, draft }: { flowId: string; versions: Version[]; draft: string }) {
  const [selected, setSelected] = useState<number | undefined>()
  // Versions name who published them by key id; people read the key's name.
  const keys = useLoad(() =>
    api
      .get<{ secretKeys: { keyId: string; name: string }[] }>('/v1/admin/secret-keys')
      .catch(() => ({ secretKeys: [] })),
  )
  const publisher = (id: string) => {
    const key = keys.data?.secretKeys.find((entry) => entry.keyId === id)
    return key ? `key “${key.name}”` : id
  }
  const doc = useLoad(
    () =>
      selected
        ? api.get<{ document: unknown }>(`/v1/admin/flows/${flowId}/versions/${selected}`)
        : Promise.resolve(undefined),
    [selected],
  )
  if (versions.length === 0)
    return html`<p class="muted">No published versions yet: Publish freezes the draft as version 1.</p>`
  return html`<div>
    <ul class="versions">${[...versions]
      .reverse()
      .map(
        (version) =>
          html`<li><button type="button" class="link" aria-pressed=${selected === version.version} onClick=${() => setSelected(version.version)}>v${version.version}</button> ${version.name} · ${formatTime(version.createdAt)} · by ${publisher(version.publishedBy)}</li>`,
      )}</ul>
    ${
      selected &&
      doc.data &&
      html`<h3>v${selected} → current draft</h3><pre class="diff" aria-label="Diff">${diffLines(
        pretty(doc.data.document),
        draft,
      ).map(
        (line) =>
          html`<div class=${`diff-${line.kind}`}>${line.kind === 'added' ? '+ ' : line.kind === 'removed' ? '- ' : '  '}${line.text}</div>`,
      )}</pre>`
    }
  </div>`
}
