/**
 * Migrations are written once, for a single server, with two placeholders: `{{db}}` (the database)
 * and `{{on_cluster}}`. With a cluster configured, every DDL statement runs ON CLUSTER and every
 * MergeTree-family engine becomes its Replicated* twin, keyed by the server's {shard}/{replica} macros.
 */
export interface DdlTarget {
  database: string
  cluster: string | undefined
}

const MERGE_TREE_ENGINE =
  /ENGINE\s*=\s*(Replacing|Summing|Aggregating|Collapsing|VersionedCollapsing)?MergeTree\s*(\(([^)]*)\))?/g

export function renderDdl(sql: string, target: DdlTarget): string {
  const onCluster = target.cluster === undefined ? '' : `ON CLUSTER '${target.cluster}'`
  const rendered = sql.replaceAll('{{db}}', target.database).replaceAll('{{on_cluster}}', onCluster)
  if (target.cluster === undefined) return rendered
  return rendered.replace(
    MERGE_TREE_ENGINE,
    (_match, family: string | undefined, _args, params: string | undefined) => {
      const replicaArgs = `'/clickhouse/tables/{shard}/{database}/{table}', '{replica}'`
      const rest = params?.trim() ? `, ${params.trim()}` : ''
      return `ENGINE = Replicated${family ?? ''}MergeTree(${replicaArgs}${rest})`
    },
  )
}

/** Splits a migration file into statements on semicolons that end a line; `--` comment lines are dropped. */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((statement) =>
      statement
        .split('\n')
        .filter((line) => !line.trim().startsWith('--'))
        .join('\n')
        .trim(),
    )
    .filter((statement) => statement.length > 0)
}
