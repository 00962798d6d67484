import { readFile } from 'node:fs/promises'
import { type McpServer, ResourceNotFoundError, ResourceTemplate } from '@modelcontextprotocol/server'
import { flowJsonSchema } from '../engine/flows/flow-json-schema.ts'
import { AppError } from '../platform/errors/catalog.ts'
import { mayUse } from './define-tool.ts'
import type { McpCaller, McpDeps } from './mcp-deps.ts'
import { metricCatalog } from './tools/analytics-tools.ts'

const SQL_README = new URL('../sql/README.md', import.meta.url)
const ANALYST_HEADING = '## Analyst schema'

/** The "Analyst schema" section of sql/README.md: the views, their rows and columns, and how scoping works. */
async function analystSchemaDoc(): Promise<string> {
  const text = await readFile(SQL_README, 'utf8')
  const start = text.indexOf(ANALYST_HEADING)
  if (start < 0) return text
  const next = text.indexOf('\n## ', start + ANALYST_HEADING.length)
  return text.slice(start, next < 0 ? undefined : next)
}

const json = (uri: URL, value: unknown, mimeType = 'application/json') => ({
  contents: [{ uri: uri.href, mimeType, text: JSON.stringify(value, null, 2) }],
})

/**
 * Resources a model can read before it acts: the analyst schema, the flow JSON Schema, the metric catalog
 * and each saved report (its spec). Listed only to keys whose scope admits the matching tools.
 */
export function registerResources(
  server: McpServer,
  caller: McpCaller,
  deps: Pick<McpDeps, 'reports'>,
): void {
  const analyst = mayUse(caller, { scope: 'analyst' })
  const admin = mayUse(caller, { scope: 'admin' })
  if (analyst) {
    server.registerResource(
      'analyst-schema',
      'comerix://schemas/analyst',
      {
        title: 'Analyst SQL schema (analytics_v1)',
        description: 'The views run_sql can read, their rows and columns',
        mimeType: 'text/markdown',
      },
      async (uri) => ({
        contents: [{ uri: uri.href, mimeType: 'text/markdown', text: await analystSchemaDoc() }],
      }),
    )
    server.registerResource(
      'metric-catalog',
      'comerix://metrics',
      {
        title: 'Metric catalog',
        description: 'Every metric family with its metrics, dimensions and options',
        mimeType: 'application/json',
      },
      async (uri) => json(uri, { families: metricCatalog(deps.reports) }),
    )
    server.registerResource(
      'saved-report',
      new ResourceTemplate('comerix://reports/{reportId}', {
        list: async () => ({
          resources: (await deps.reports.list(caller.tenantId)).map((report) => ({
            uri: `comerix://reports/${report.reportId}`,
            name: report.spec.title,
            mimeType: 'application/json',
          })),
        }),
      }),
      { title: 'Saved report', description: 'A saved report and its spec', mimeType: 'application/json' },
      async (uri, variables) => {
        try {
          return json(uri, await deps.reports.get(caller.tenantId, String(variables.reportId)))
        } catch (error) {
          if (error instanceof AppError && error.code === 'not_found')
            throw new ResourceNotFoundError(uri.href)
          throw error
        }
      },
    )
  }
  if (admin) {
    server.registerResource(
      'flow-schema',
      'comerix://schemas/flow',
      {
        title: 'Flow JSON Schema',
        description: 'JSON Schema (2020-12) of a flow document, for save_flow_draft and validate_flow',
        mimeType: 'application/schema+json',
      },
      async (uri) => json(uri, flowJsonSchema(), 'application/schema+json'),
    )
  }
}
