import { ANALYST_SQL_USAGE } from './analyst-sql/analyst-sql-options.ts'
import { runAnalystSqlSuite } from './analyst-sql/analyst-sql-suite.ts'
import { ANALYTICS_USAGE } from './analytics/analytics-options.ts'
import { runAnalyticsSuite } from './analytics/analytics-suite.ts'
import { INGEST_USAGE } from './ingest/ingest-options.ts'
import { runIngestSuite } from './ingest/ingest-suite.ts'
import { PUBLIC_READS_USAGE, runPublicReadsSuite } from './public-reads/public-reads-suite.ts'
import { runUiSuite, UI_USAGE } from './ui/ui-suite.ts'
import { runWebhooksSuite, WEBHOOKS_USAGE } from './webhooks/webhooks-suite.ts'

/** `npm run bench -- <suite> [options]`: each suite prints its figures and ratios to stdout. */
const SUITES: Record<string, { run: (argv: string[]) => Promise<void>; usage: string }> = {
  ingest: { run: runIngestSuite, usage: INGEST_USAGE },
  analytics: { run: runAnalyticsSuite, usage: ANALYTICS_USAGE },
  'public-reads': { run: runPublicReadsSuite, usage: PUBLIC_READS_USAGE },
  'analyst-sql': { run: runAnalystSqlSuite, usage: ANALYST_SQL_USAGE },
  webhooks: { run: runWebhooksSuite, usage: WEBHOOKS_USAGE },
  ui: { run: runUiSuite, usage: UI_USAGE },
}

const [suite, ...argv] = process.argv.slice(2)
const names = Object.keys(SUITES).join(', ')
const chosen = suite === undefined ? undefined : SUITES[suite]
if (chosen === undefined) {
  console.error(
    suite === undefined
      ? `usage: npm run bench -- <suite> [options]; suites: ${names}`
      : `unknown bench suite "${suite}"; suites: ${names}`,
  )
  process.exit(2)
}
if (argv.includes('--help') || argv.includes('-h')) {
  console.log(chosen.usage)
  process.exit(0)
}
try {
  await chosen.run(argv)
} catch (error) {
  console.error(`bench ${suite} failed: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
}
