import { api } from './api.ts'

export interface CatalogEntry {
  name: string
  label: string
  description: string
  format?: string
}
export interface Family {
  name: string
  description: string
  metrics: CatalogEntry[]
  dimensions: CatalogEntry[]
  options: {
    properties?: Record<
      string,
      {
        type?: string
        enum?: string[]
        description?: string
        default?: unknown
        minimum?: number
        maximum?: number
      }
    >
  }
}

let catalog: Promise<Family[]> | undefined
export function loadCatalog(): Promise<Family[]> {
  catalog ??= api.get<{ families: Family[] }>('/v1/admin/analytics-catalog').then((body) => body.families)
  return catalog
}

export const FAMILY_LABELS: Record<string, string> = {
  engagement: 'Chat engagement',
  goals: 'Goals',
  conversions: 'Conversions',
  token_spend: 'Token spend',
  attribution: 'Attribution',
}

export const RELATIVE_RANGES = [
  ['today', 'Today'],
  ['yesterday', 'Yesterday'],
  ['last_7_days', 'Last 7 days'],
  ['last_30_days', 'Last 30 days'],
  ['last_90_days', 'Last 90 days'],
  ['this_week', 'This week'],
  ['last_week', 'Last week'],
  ['this_month', 'This month'],
  ['last_month', 'Last month'],
  ['this_year', 'This year'],
] as const

export function timezones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] }
  return intl.supportedValuesOf?.('timeZone') ?? ['UTC', 'Europe/Berlin', 'America/New_York']
}

export interface ReportSpec {
  title: string
  description?: string
  family: string
  metrics: string[]
  dimensions: string[]
  filters: Record<string, string[]>
  dateRange: { range: string } | { from: string; to: string }
  granularity: string
  timezone: string
  compareToPreviousPeriod: boolean
  options: Record<string, string | number | boolean>
  sort: { by: string; direction: 'asc' | 'desc' }[]
  limit?: number
  visualization: 'line' | 'bar' | 'table' | 'kpi'
}
export interface SavedReport {
  reportId: string
  spec: ReportSpec
  createdAt: string
  updatedAt: string
}
