import { createHash } from 'node:crypto'
import type { FormDocument } from '../forms/form-schema.ts'
import type { MonthlyQuota, WidgetSettings } from '../widget-settings/widget-settings-schema.ts'

/** One public answer rendered once: its JSON text and the strong validator computed from that text. */
export interface EdgeEntry {
  etag: string
  body: string
}

/** What the public reads of one widget key serve, rendered at publish time. */
export interface WidgetEdgeDocument {
  kind: 'widget'
  tenantId: string
  publicKey: string
  version: number
  widgetConfig: EdgeEntry
  quickQuestions: EdgeEntry
  /** Server-side only: enforced on session opens and form mounts, never rendered into an answer. */
  quota?: MonthlyQuota
}

/** What the public reads of one published form serve. */
export interface FormEdgeDocument {
  kind: 'form'
  tenantId: string
  formId: string
  version: number
  schema: EdgeEntry
}

/** A strong ETag: the same bytes always give the same tag, any change another one. */
export function entityTag(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`
}

const entry = (value: unknown): EdgeEntry => {
  const body = JSON.stringify(value)
  return { etag: entityTag(body), body }
}

/** Renders a key's published settings into its edge document: only what a visitor may see, enabled questions only. */
export function renderWidgetDocument(
  tenantId: string,
  publicKey: string,
  version: number,
  settings: WidgetSettings,
): WidgetEdgeDocument {
  const questions = settings.quickQuestions
    .map((question, position) => ({ question, position }))
    .filter(({ question }) => question.enabled)
    .sort((a, b) => a.question.order - b.question.order || a.position - b.position)
    .map(({ question: { id, label, intent, context } }) => ({
      id,
      label,
      intent,
      ...(context === undefined ? {} : { context }),
    }))
  return {
    kind: 'widget',
    tenantId,
    publicKey,
    version,
    widgetConfig: entry({
      publicKey,
      version,
      displayName: settings.displayName,
      greeting: settings.greeting,
      theme: settings.theme,
      launcher: settings.launcher,
    }),
    quickQuestions: entry({ version, questions }),
    ...(settings.monthlyQuota ? { quota: settings.monthlyQuota } : {}),
  }
}

export function renderFormDocument(
  tenantId: string,
  formId: string,
  version: number,
  form: FormDocument,
): FormEdgeDocument {
  return {
    kind: 'form',
    tenantId,
    formId,
    version,
    schema: entry({
      formId,
      version,
      name: form.name,
      ...(form.title === undefined ? {} : { title: form.title }),
      ...(form.description === undefined ? {} : { description: form.description }),
      fields: form.fields,
      submitLabel: form.submitLabel,
    }),
  }
}
