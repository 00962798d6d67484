import { autocompletion, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete'
import { json, jsonParseLinter } from '@codemirror/lang-json'
import { type Diagnostic, linter, lintGutter } from '@codemirror/lint'
import { StateEffect } from '@codemirror/state'
import { basicSetup, EditorView } from 'codemirror'
import { useEffect, useRef } from 'preact/hooks'
import { html } from './ui.ts'

export interface Problem {
  nodeId?: string
  path?: string
  message: string
  code?: string
}

type Schema = {
  properties?: Record<string, Schema & { description?: string; const?: string }>
  items?: Schema
  oneOf?: Schema[]
  description?: string
}

/** Tells the linter the server's problems changed, so it runs again without a document change. */
const problemsChanged = StateEffect.define<null>()

/** What the flow JSON Schema offers at a cursor: node types after `"type": "`, else property names. */
function schemaCompletions(schema: Schema) {
  const nodeVariants = schema.properties?.nodes?.items?.oneOf ?? []
  const nodeTypes = nodeVariants
    .map((variant) => variant.properties?.type?.const)
    .filter((value): value is string => typeof value === 'string')
  const keys = new Map<string, string>()
  for (const [key, value] of Object.entries(schema.properties ?? {}))
    keys.set(key, value.description ?? 'flow')
  for (const variant of nodeVariants) {
    const type = variant.properties?.type?.const ?? ''
    for (const [key, value] of Object.entries(variant.properties ?? {})) {
      const where = keys.get(key)
      keys.set(
        key,
        where && where !== (value.description ?? '')
          ? `${where.startsWith('node:') ? where : 'node:'} ${type}`
          : (value.description ?? `node: ${type}`),
      )
    }
  }
  return (context: CompletionContext): CompletionResult | null => {
    const before = context.state.sliceDoc(Math.max(0, context.pos - 200), context.pos)
    const typeValue = /"type"\s*:\s*"([a-z_]*)$/.exec(before)
    if (typeValue) {
      return {
        from: context.pos - (typeValue[1]?.length ?? 0),
        options: nodeTypes.map((type) => ({ label: type, type: 'enum', detail: 'node type' })),
      }
    }
    const key = /[{,]\s*"([A-Za-z_]*)$/.exec(before)
    if (key || context.explicit) {
      const typed = key?.[1] ?? ''
      return {
        from: context.pos - typed.length,
        options: [...keys].map(([label, info]) => ({ label, type: 'property', info })),
      }
    }
    return null
  }
}

/** Where a problem sits in the text: its node's `"id": "<nodeId>"`, else the document's start. */
export function problemDiagnostics(text: string, problems: Problem[]): Diagnostic[] {
  return problems.map((problem) => {
    let from = 0
    let to = Math.min(text.length, 1)
    if (problem.nodeId) {
      const escaped = problem.nodeId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      const match = new RegExp(`"id"\\s*:\\s*"${escaped}"`).exec(text)
      if (match) {
        from = match.index
        to = match.index + match[0].length
      }
    }
    const where = [problem.nodeId && `node ${problem.nodeId}`, problem.path].filter(Boolean).join(', ')
    return { from, to, severity: 'error', message: where ? `${where}: ${problem.message}` : problem.message }
  })
}

/** A CodeMirror JSON editor with the flow schema's completion and the server's problems inline. */
export function JsonEditor({
  value,
  onChange,
  problems,
  schema,
}: {
  value: string
  onChange: (text: string) => void
  problems: Problem[]
  schema: Schema | undefined
}) {
  const host = useRef<HTMLDivElement>(null)
  const view = useRef<EditorView | undefined>(undefined)
  const change = useRef(onChange)
  change.current = onChange
  const emitted = useRef<string | undefined>(undefined)
  const latest = useRef(problems)
  latest.current = problems
  useEffect(() => {
    if (!host.current) return
    const editor = new EditorView({
      parent: host.current,
      doc: value,
      extensions: [
        basicSetup,
        EditorView.lineWrapping,
        json(),
        // One lint source: JSON syntax here, and the server's /validate problems of the last check.
        linter(
          (editor) => [
            ...jsonParseLinter()(editor),
            ...problemDiagnostics(editor.state.doc.toString(), latest.current),
          ],
          {
            delay: 300,
            needsRefresh: (update) =>
              update.transactions.some((tr) => tr.effects.some((effect) => effect.is(problemsChanged))),
          },
        ),
        lintGutter(),
        autocompletion({ override: schema ? [schemaCompletions(schema)] : [] }),
        EditorView.updateListener.of((update) => {
          if (!update.docChanged) return
          const text = update.state.doc.toString()
          emitted.current = text
          // Outside CodeMirror's update cycle: the app re-renders after the editor settled.
          queueMicrotask(() => change.current(text))
        }),
        EditorView.contentAttributes.of({ 'aria-label': 'Flow JSON' }),
      ],
    })
    view.current = editor
    // The editor is reachable from its element, as CodeMirror's own EditorView.findFromDOM does it.
    ;(host.current as HTMLDivElement & { cmView?: EditorView }).cmView = editor
    return () => editor.destroy()
  }, [schema])
  useEffect(() => {
    const editor = view.current
    // Only a value from outside (a restored draft, a reload) replaces the text; the editor's own echo does not.
    if (!editor || value === emitted.current || editor.state.doc.toString() === value) return
    emitted.current = value
    editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: value } })
  }, [value])
  useEffect(() => {
    const editor = view.current
    if (!editor) return
    editor.dispatch({ effects: problemsChanged.of(null) })
  }, [problems])
  return html`<div class="json-editor" ref=${host}></div>`
}
