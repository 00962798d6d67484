/** The analyst schema: versioned views, named the same in both modes (sql/README.md, "Analyst schema"). */
export const ANALYST_SCHEMA = 'analytics_v1'

export const ANALYST_VIEWS = [
  'events',
  'chat_sessions',
  'conversions',
  'identity_links',
  'llm_calls',
  'goal_completions',
  'attribution_credits',
] as const

export type AnalystView = (typeof ANALYST_VIEWS)[number]

/** The database holding the views (all tenants, a `tenant_id` column): `<database>_analytics_v1`. */
export const analystDatabase = (database: string): string => `${database}_${ANALYST_SCHEMA}`

/** The tenant-scoped parameterized twin of a view, which only the embedded endpoint calls. */
export const scopedView = (database: string, view: AnalystView): string => `${database}.analyst_${view}`

/** The query parameter carrying the credential's tenant; an analyst may not send one of this prefix. */
export const TENANT_PARAM = 'comerix_tenant_id'
export const RESERVED_PARAM_PREFIX = 'comerix_'

export const isAnalystView = (name: string): name is AnalystView =>
  (ANALYST_VIEWS as readonly string[]).includes(name)
