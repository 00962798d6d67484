import type { FormService } from '../engine/forms/form-service.ts'
import type { WidgetSettingsService } from '../engine/widget-settings/widget-settings-service.ts'

export const DEMO_CONTACT_FORM = {
  name: 'contact',
  title: 'Contact us',
  description: 'We answer within one working day.',
  fields: [
    { name: 'name', label: 'Your name', type: 'text', required: true, max: 100 },
    { name: 'email', label: 'Email', type: 'email', required: true },
    { name: 'phone', label: 'Phone', type: 'phone' },
    {
      name: 'topic',
      label: 'Topic',
      type: 'select',
      required: true,
      options: [
        { label: 'An order', value: 'order' },
        { label: 'A product', value: 'product' },
        { label: 'Something else', value: 'other' },
      ],
    },
    { name: 'message', label: 'Message', type: 'text', required: true, min: 5, max: 1000 },
    { name: 'attachment', label: 'Attachment', type: 'file', accept: ['image/*', 'application/pdf'] },
  ],
  submitLabel: 'Send message',
}

/** The demo widget's look and three quick questions, one per demo flow with a form. */
export const DEMO_WIDGET_SETTINGS = {
  displayName: 'Trailhead helper',
  greeting: 'Hi! I can track an order, find gear for you, or start a return.',
  theme: {
    primaryColor: '#2f6f4f',
    textColor: '#1a202c',
    backgroundColor: '#ffffff',
    fontFamily: 'system',
    radius: 14,
  },
  launcher: { position: 'bottom-right', label: 'Need help?' },
  quickQuestions: [
    { id: 'track-order', label: 'Where is my order?', intent: 'order_status', order: 1 },
    { id: 'find-gear', label: 'Help me find gear', intent: 'product_finder', order: 2 },
    { id: 'start-return', label: 'I want to return an item', intent: 'returns_request', order: 3 },
  ],
}

export interface DemoWidgetDeps {
  settings: WidgetSettingsService
  forms: FormService
}

/** Publishes the demo key's settings and the `contact` form, each only when it changed (no pile of versions). */
export async function seedDemoWidget(
  deps: DemoWidgetDeps,
  tenantId: string,
  publicKey: string,
): Promise<void> {
  const wanted = await deps.settings.validate(tenantId, publicKey, DEMO_WIDGET_SETTINGS)
  const current = await deps.settings.published(tenantId, publicKey)
  if (JSON.stringify(current?.settings) !== JSON.stringify(wanted)) {
    await deps.settings.saveDraft(tenantId, publicKey, DEMO_WIDGET_SETTINGS)
    await deps.settings.publish(tenantId, publicKey, 'demo:seed')
  }
  const form = deps.forms.validate(DEMO_CONTACT_FORM)
  const existing = (await deps.forms.list(tenantId)).find((summary) => summary.name === form.name)
  const formId = existing?.formId ?? (await deps.forms.create(tenantId, DEMO_CONTACT_FORM)).formId
  const published = await deps.forms.published(tenantId, formId)
  if (JSON.stringify(published?.form) !== JSON.stringify(form)) {
    await deps.forms.update(tenantId, formId, DEMO_CONTACT_FORM)
    await deps.forms.publish(tenantId, formId, 'demo:seed')
  }
}
