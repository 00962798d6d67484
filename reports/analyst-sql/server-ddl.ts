import { ANALYST_VIEWS, analystDatabase } from './analyst-schema.ts'
import type { QueryLimits } from './scope-query.ts'

/**
 * Server mode (CLICKHOUSE_URL): analysts are real ClickHouse users. Every statement that creates or drops
 * them is written here, from validated names only (identifiers, a UUID, a SHA-256 hex): no value a user typed
 * reaches the SQL unchecked. With CLICKHOUSE_CLUSTER set every statement runs ON CLUSTER.
 *
 * - one role, `comerix_analyst`, granted SELECT on the analyst database and nothing else;
 * - one settings profile, `comerix_analyst`: readonly = 2 (output settings may change, nothing else) and the
 *   limits as CONST, so a user cannot raise them;
 * - the views run as their definer (SQL SECURITY DEFINER), so an analyst needs no grant on internal tables;
 * - per analyst: a user whose password is its secret key (stored as the key's SHA-256, never in plaintext),
 *   a quota, and a row policy on every view keeping its tenant's rows.
 */
export interface DdlTarget {
  database: string
  cluster: string | undefined
}

export interface ServerAnalyst {
  user: string
  tenantId: string
  /** SHA-256 hex of the analyst's secret key (its ClickHouse password). */
  keyHash: string
}

export const ANALYST_ROLE = 'comerix_analyst'
export const ANALYST_PROFILE = 'comerix_analyst'
const NAME = /^[a-z0-9][a-z0-9_-]{0,40}$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const SHA256 = /^[0-9a-f]{64}$/

/** The ClickHouse user of analyst `name` of tenant `slug`. */
export function analystUserName(slug: string, name: string): string {
  if (!NAME.test(slug) || !NAME.test(name))
    throw new Error('analyst and tenant names are lowercase letters, digits, - and _')
  return `analyst_${slug}_${name}`
}

const ident = (name: string) => {
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`not a plain name: ${name}`)
  return `\`${name}\``
}
const onCluster = (target: DdlTarget) =>
  target.cluster === undefined ? '' : ` ON CLUSTER ${ident(target.cluster)}`
const views = (target: DdlTarget) =>
  ANALYST_VIEWS.map((view) => `${ident(analystDatabase(target.database))}.${ident(view)}`)

/** The role, profile and view security every analyst shares; idempotent, run before each analyst:create. */
export function analystBootstrapDdl(target: DdlTarget, limits: QueryLimits): string[] {
  const cluster = onCluster(target)
  return [
    `CREATE ROLE IF NOT EXISTS ${ident(ANALYST_ROLE)}${cluster}`,
    `CREATE SETTINGS PROFILE OR REPLACE ${ident(ANALYST_PROFILE)}${cluster} SETTINGS readonly = 2, ` +
      `max_execution_time = ${int(limits.maxExecutionSeconds)} CONST, timeout_overflow_mode = 'throw' CONST, ` +
      `max_result_rows = ${int(limits.maxResultRows)} CONST, max_result_bytes = ${int(limits.maxResultBytes)} CONST, ` +
      `result_overflow_mode = 'throw' CONST, max_memory_usage = ${int(limits.maxMemoryBytes)} CONST, ` +
      'allow_ddl = 0 CONST, allow_introspection_functions = 0 CONST',
    `GRANT${cluster} SELECT ON ${ident(analystDatabase(target.database))}.* TO ${ident(ANALYST_ROLE)}`,
    ...ANALYST_VIEWS.map(
      (view) =>
        `ALTER TABLE ${ident(analystDatabase(target.database))}.${ident(view)}${cluster} MODIFY SQL SECURITY DEFINER`,
    ),
  ]
}

export function createAnalystDdl(target: DdlTarget, analyst: ServerAnalyst): string[] {
  if (!UUID.test(analyst.tenantId)) throw new Error('tenant id must be a UUID')
  if (!SHA256.test(analyst.keyHash)) throw new Error('key hash must be SHA-256 hex')
  const user = ident(analyst.user)
  const cluster = onCluster(target)
  return [
    `CREATE USER IF NOT EXISTS ${user}${cluster} IDENTIFIED WITH sha256_hash BY '${analyst.keyHash}' ` +
      `DEFAULT DATABASE ${ident(analystDatabase(target.database))} SETTINGS PROFILE '${ANALYST_PROFILE}'`,
    `GRANT${cluster} ${ident(ANALYST_ROLE)} TO ${user}`,
    `ALTER USER ${user}${cluster} DEFAULT ROLE ${ident(ANALYST_ROLE)}`,
    `CREATE QUOTA IF NOT EXISTS ${user}${cluster} FOR INTERVAL 1 hour ` +
      `MAX queries = 2000, errors = 500, result_rows = 100000000, read_rows = 10000000000, execution_time = 3600 TO ${user}`,
    `CREATE ROW POLICY IF NOT EXISTS ${user}${cluster} ON ${views(target).join(', ')} ` +
      `FOR SELECT USING tenant_id = toUUID('${analyst.tenantId}') AS PERMISSIVE TO ${user}`,
  ]
}

export function revokeAnalystDdl(target: DdlTarget, userName: string): string[] {
  const user = ident(userName)
  const cluster = onCluster(target)
  return [
    `DROP ROW POLICY IF EXISTS ${user}${cluster} ON ${views(target).join(', ')}`,
    `DROP QUOTA IF EXISTS ${user}${cluster}`,
    `DROP USER IF EXISTS ${user}${cluster}`,
  ]
}

const int = (value: number) => {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`not a limit: ${value}`)
  return String(value)
}
