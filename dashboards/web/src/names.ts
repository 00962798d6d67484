import { api } from './api.ts'

/** Readable names for the ids analytics and history carry: flows, widget keys, goals, intents. */
export interface Names {
  flows: Map<string, string>
  intents: Map<string, string>
  widgetKeys: Map<string, string>
  goals: Map<string, string>
}

export const emptyNames = (): Names => ({
  flows: new Map(),
  intents: new Map(),
  widgetKeys: new Map(),
  goals: new Map(),
})

export async function loadNames(scopes: string[]): Promise<Names> {
  const names = emptyNames()
  if (!scopes.includes('admin')) return names
  const [flows, keys, goals] = await Promise.all([
    api
      .get<{ flows: { flowId: string; intent: string; name: string }[] }>('/v1/admin/flows')
      .catch(() => ({ flows: [] })),
    api
      .get<{ widgetKeys: { publicKey: string; name: string }[] }>('/v1/admin/widget-keys')
      .catch(() => ({ widgetKeys: [] })),
    api.get<{ goals: { goalId: string; name: string }[] }>('/v1/admin/goals').catch(() => ({ goals: [] })),
  ])
  for (const flow of flows.flows) {
    names.flows.set(flow.flowId, flow.name)
    names.intents.set(flow.intent, flow.name)
  }
  for (const key of keys.widgetKeys) names.widgetKeys.set(key.publicKey, key.name || key.publicKey)
  for (const goal of goals.goals) names.goals.set(goal.goalId, goal.name)
  return names
}

/** The name to show for a dimension's value: `flow` ids become flow names, and so on. */
export function nameOf(names: Names, dimension: string, value: unknown): string {
  const text = value === null || value === undefined || value === '' ? '(none)' : String(value)
  switch (dimension) {
    case 'flow':
      return names.flows.get(text) ?? text
    case 'intent':
      return names.intents.has(text) ? `${names.intents.get(text)} (${text})` : text
    case 'widget_key':
      return names.widgetKeys.get(text) ?? text
    case 'goal':
      return names.goals.get(text) ?? text
    default:
      // Enumerated values (`not_engaged`, `last_touch`) read as words.
      return /^[a-z]+(_[a-z0-9]+)+$/.test(text) && dimension !== 'block' ? text.replaceAll('_', ' ') : text
  }
}
