import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import { ANALYST_SCHEMA, ANALYST_VIEWS } from '../../reports/analyst-sql/analyst-schema.ts'
import { readQueryParams } from '../../reports/analyst-sql/query-params.ts'
import { type AnyTool, defineTool } from '../define-tool.ts'
import type { McpDeps } from '../mcp-deps.ts'

/** Results larger than this are cut in the answer (the query's own max_result_bytes still applies). */
const MAX_TEXT_CHARS = 200_000

/**
 * Read-only SQL over the analyst schema through AnalystQueryService: the same checks (ClickHouse's parser
 * decides what the statement is and what it reads), tenant-scoped views and limits as the analyst endpoint.
 */
export function sqlTools({ analystSql }: Pick<McpDeps, 'analystSql'>): AnyTool[] {
  return [
    defineTool({
      name: 'run_sql',
      title: 'Run read-only SQL',
      description: `Runs one SELECT (or SHOW TABLES / DESCRIBE) over the analyst schema ${ANALYST_SCHEMA}: views ${ANALYST_VIEWS.join(', ')}, already limited to this tenant's rows. Documentation: resource comerix://schemas/analyst. Use {name:Type} placeholders with \`params\` for values. Returns rows as JSON objects unless the SQL names another FORMAT.`,
      scope: 'analyst',
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
      input: z.strictObject({
        sql: z.string().min(1).max(100_000),
        params: z.record(z.string(), z.string()).default({}).describe('Values of {name:Type} placeholders'),
      }),
      output: z.object({
        format: z.string(),
        columns: z.array(z.object({ name: z.string(), type: z.string() })).optional(),
        rows: z.array(z.record(z.string(), z.unknown())).optional(),
        rowCount: z.number().optional(),
        text: z.string().optional().describe('The raw result when the SQL asked for a non-JSON FORMAT'),
        truncated: z.boolean(),
      }),
      async run(input, caller) {
        const result = await analystSql.run({
          tenantId: caller.tenantId,
          sql: input.sql,
          params: readQueryParams(
            Object.entries(input.params).map(([name, value]) => [`param_${name}`, value]),
          ),
          defaultFormat: 'JSON',
          settings: { output: {}, limits: {} },
          queryId: randomUUID(),
        })
        let text = ''
        for await (const chunk of result.stream) text += chunk.toString()
        if (result.format === 'JSON') {
          const parsed = JSON.parse(text) as {
            meta: { name: string; type: string }[]
            data: Record<string, unknown>[]
          }
          return {
            data: {
              format: result.format,
              columns: parsed.meta,
              rows: parsed.data,
              rowCount: parsed.data.length,
              truncated: false,
            },
            summary: `${parsed.data.length} row(s); columns ${parsed.meta.map((column) => column.name).join(', ')}`,
          }
        }
        const truncated = text.length > MAX_TEXT_CHARS
        return {
          data: { format: result.format, text: text.slice(0, MAX_TEXT_CHARS), truncated },
          summary: `${result.format} result, ${text.length} characters${truncated ? ' (cut)' : ''}`,
        }
      },
    }),
  ]
}
