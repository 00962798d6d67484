#!/usr/bin/env -S node --import tsx
import { readFile } from 'node:fs/promises'
import cliProgress from 'cli-progress'
import { Command, Option } from 'commander'
import { ZodError } from 'zod'
import { demoWalkthrough } from '../demo/demo-walkthrough.ts'
import { formatSummary } from '../demo/generate/generation-summary.ts'
import { validateFlow } from '../engine/flows/validate-flow.ts'
import { backfillPeriod, runCostBackfill } from '../engine/llm/run-cost-backfill.ts'
import { type Config, ConfigError, loadConfig } from '../platform/config/config.ts'
import { VERSION } from '../platform/create-platform.ts'
import { catalogMarkdown } from '../platform/errors/catalog.ts'
import { toAppError } from '../platform/http/error-handler.ts'
import { installProcessGuard } from '../platform/process-guard.ts'
import { createApp } from './create-app.ts'
import { demoGenerate } from './demo-generate.ts'
import { mcpStdio } from './mcp-stdio.ts'
import { reportRun } from './report-run.ts'
import { stopAndExit, watchStopRequests } from './watch-stop-requests.ts'
import { withOperator } from './with-operator.ts'

const program = new Command('comerix')
  .version(VERSION)
  .description('Comerix: chat-commerce analytics pipeline')

function config(): Config {
  try {
    return loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message)
      process.exit(2)
    }
    throw error
  }
}

const print = (json: boolean, value: unknown, human: () => string): void => {
  console.log(json ? JSON.stringify(value, null, 2) : human())
}

program
  .command('serve')
  .description('Run Comerix (every role in ROLES; embedded stores unless configured otherwise)')
  .option('--demo', 'also serve the mock shop API, seed the demo tenant and print a curl walkthrough')
  .option(
    '--exit-with-parent',
    'also shut down when the process that started this one exits (npm start uses it)',
  )
  .action(async (options: { demo?: boolean; exitWithParent?: boolean }) => {
    // Watched before the stores open, so a signal during start-up still ends in a graceful stop.
    const stop = watchStopRequests({ exitWithParent: Boolean(options.exitWithParent) })
    // The demo's `shop` connection calls this very process, so it must reach a loopback address.
    const loaded = config()
    const starting = createApp(
      options.demo ? { ...loaded, connectionsAllowPrivateNetworks: true } : loaded,
      undefined,
      { demo: Boolean(options.demo) },
    )
    void stop.requested.then((reason) => stopAndExit(starting, reason))
    const app = await starting
    installProcessGuard(app.logger, app.metrics)
    if (stop.reason !== undefined) return
    await app.listen()
    // Seeded after listening: the connection's base URL is this server's own, known only now.
    if (options.demo) console.log(`\n${demoWalkthrough(await app.demo.seedDemo())}\n`)
  })

program
  .command('demo:seed')
  .description(
    'Create (or reuse) the demo tenant, its shop connection, three flows and a widget key; prints a curl walkthrough',
  )
  .option('--json', 'print { tenant, adminKey, publicKey, allowedOrigins, intents, baseUrl } as JSON')
  .action(async (options: { json?: boolean }) => {
    const info = await withOperator(config(), (operator) => operator.seedDemo())
    print(Boolean(options.json), info, () => demoWalkthrough(info))
  })

program
  .command('demo:generate')
  .description(
    'Write a synthetic history (visits, chats, LLM calls, identifies, orders) through the event log; prints what it generated',
  )
  .option('--tenant <id|slug>', 'target tenant (default: the demo tenant, seeded as by demo:seed)')
  .option('--days <n>', 'days of history, ending now', Number, 30)
  .option('--visitors <n>', 'distinct visitors', Number, 1000)
  .option('--seed <n>', 'same seed and end time, same history', Number, 1)
  .option('--conversion-rate <x>', 'mean orders per visitor without chat influence', Number, 0.05)
  .option(
    '--chat-uplift <x>',
    'orders of visitors with an engaged chat, as a multiple of the base rate',
    Number,
    3,
  )
  .option('--now <ms>', 'end of the history, epoch ms (default: now)', Number)
  .option('--direct', 'bulk path: insert the rows straight into events (no event log, no sink)')
  .option('--json', 'print the summary as JSON')
  .action(
    async (options: {
      tenant?: string
      days: number
      visitors: number
      seed: number
      conversionRate: number
      chatUplift: number
      now?: number
      direct?: boolean
      json?: boolean
    }) => {
      const { json, ...input } = options
      const summary = await demoGenerate(config(), input)
      print(Boolean(json), summary, () => formatSummary(summary))
    },
  )

program
  .command('migrate')
  .description('Apply pending ClickHouse migrations')
  .option('--json', 'print JSON')
  .action(async (options: { json?: boolean }) => {
    const result = await withOperator(config(), (operator) => operator.migrate())
    print(Boolean(options.json), result, () =>
      result.applied.length === 0 ? 'Schema is up to date.' : `Applied: ${result.applied.join(', ')}`,
    )
  })

program
  .command('tenant:create')
  .description('Create a tenant and print its id and first admin secret key (shown once)')
  .argument('<slug>', 'lowercase letters, digits and dashes')
  .option('--name <name>', 'display name (defaults to the slug)')
  .option('--json', 'print JSON')
  .action(async (slug: string, options: { name?: string; json?: boolean }) => {
    const result = await withOperator(config(), (operator) =>
      operator.createTenant({ slug, ...(options.name ? { name: options.name } : {}) }),
    )
    print(Boolean(options.json), result, () =>
      [
        `Tenant ${result.tenant.slug} created: ${result.tenant.id}`,
        `Admin secret key (shown once, store it now): ${result.adminKey.key}`,
      ].join('\n'),
    )
  })

program
  .command('tenant:list')
  .description('List tenants')
  .option('--json', 'print JSON')
  .action(async (options: { json?: boolean }) => {
    const tenants = await withOperator(config(), (operator) => operator.listTenants())
    print(Boolean(options.json), tenants, () =>
      tenants.map((tenant) => `${tenant.slug}\t${tenant.id}`).join('\n'),
    )
  })

const collect = (value: string, previous: string[]) => [...previous, value]

program
  .command('widget-key:create')
  .alias('comerix:widget-key:create')
  .description('Create a public widget key for a tenant (also: comerix:widget-key:create)')
  .requiredOption('--tenant <slug>', 'tenant slug')
  .option('--allowed-origin <origin>', 'origin allowed to use the key (repeatable)', collect, [])
  .addOption(
    new Option('--intent <name>', 'intent the key may trigger (repeatable)').argParser(collect).default([]),
  )
  .option('--all-intents', 'allow every published intent')
  .option('--name <name>', 'a name to recognise the key by')
  .option('--json', 'print JSON')
  .action(
    async (options: {
      tenant: string
      allowedOrigin: string[]
      intent: string[]
      allIntents?: boolean
      name?: string
      json?: boolean
    }) => {
      const widgetKey = await withOperator(config(), (operator) =>
        operator.createWidgetKey(options.tenant, {
          allowedOrigins: options.allowedOrigin,
          intents: options.intent,
          allIntents: Boolean(options.allIntents),
          ...(options.name ? { name: options.name } : {}),
        }),
      )
      print(Boolean(options.json), widgetKey, () =>
        [
          `Widget key: ${widgetKey.publicKey}`,
          `Allowed origins: ${widgetKey.allowedOrigins.join(', ')}`,
          `Intents: ${widgetKey.allIntents ? 'all published intents' : widgetKey.intents.join(', ')}`,
        ].join('\n'),
      )
    },
  )

async function readFlowFile(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'))
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`)
  }
}

program
  .command('flow:validate')
  .description(
    'Check a flow file and list every problem with its node id (offline: connection names are not checked)',
  )
  .argument('<file>', 'flow JSON (engine/FLOWS.md)')
  .option('--json', 'print JSON')
  .action(async (file: string, options: { json?: boolean }) => {
    const result = validateFlow(await readFlowFile(file))
    const problems = result.ok ? [] : result.problems
    print(Boolean(options.json), { ok: result.ok, problems }, () =>
      result.ok
        ? `${file}: valid flow for intent "${result.flow.intent}"`
        : problems
            .map(
              (problem) =>
                `${file}: ${problem.nodeId ? `node ${problem.nodeId}: ` : ''}${problem.path}: ${problem.message}`,
            )
            .join('\n'),
    )
    if (!result.ok) process.exitCode = 1
  })

program
  .command('flow:publish')
  .description("Save a flow file as its intent's draft and publish it; prints the intent and version")
  .requiredOption('--tenant <slug>', 'tenant slug')
  .argument('<file>', 'flow JSON (engine/FLOWS.md)')
  .option('--json', 'print JSON')
  .action(async (file: string, options: { tenant: string; json?: boolean }) => {
    const document = await readFlowFile(file)
    const published = await withOperator(config(), (operator) =>
      operator.publishFlow(options.tenant, document),
    )
    print(
      Boolean(options.json),
      published,
      () => `Published intent ${published.intent} version ${published.version} (flow ${published.flowId})`,
    )
  })

program
  .command('flow:unpublish')
  .description('Unpublish the flow of an intent; running executions finish on their version')
  .requiredOption('--tenant <slug>', 'tenant slug')
  .argument('<intent>', 'intent name')
  .option('--json', 'print JSON')
  .action(async (intent: string, options: { tenant: string; json?: boolean }) => {
    const result = await withOperator(config(), (operator) =>
      operator.unpublishIntent(options.tenant, intent),
    )
    print(Boolean(options.json), result, () => `Unpublished intent ${result.intent} (flow ${result.flowId})`)
  })

program
  .command('token-spend:backfill')
  .description(
    "Re-price a period's LLM calls with today's price catalog: one llm.cost_adjusted event per call whose cost changed (provider-reported costs are kept)",
  )
  .requiredOption('--from <date>', 'first day (YYYY-MM-DD, UTC) or an ISO timestamp')
  .requiredOption('--to <date>', 'last day, included (YYYY-MM-DD, UTC), or an ISO timestamp (excluded)')
  .option('--tenant <id>', 'tenant slug or id (default: every tenant)')
  .option('--json', 'print the summary as JSON')
  .action(async (options: { from: string; to: string; tenant?: string; json?: boolean }) => {
    const period = backfillPeriod(options.from, options.to)
    const bar = new cliProgress.SingleBar(
      { format: '  re-pricing [{bar}] {value}/{total} calls, {adjusted} adjusted', stream: process.stderr },
      cliProgress.Presets.shades_classic,
    )
    bar.start(0, 0, { adjusted: 0 })
    const summary = await withOperator(config(), (operator) =>
      runCostBackfill(
        operator,
        { ...period, ...(options.tenant ? { tenant: options.tenant } : {}) },
        (done) => {
          bar.setTotal(done.total)
          bar.update(done.scanned, { adjusted: done.adjusted })
        },
      ),
    ).finally(() => bar.stop())
    print(
      Boolean(options.json),
      summary,
      () =>
        `Re-priced ${summary.scanned} calls from ${summary.from} to ${summary.to}: ${summary.adjusted} adjusted, ` +
        `spend changed by ${(summary.deltaMicros / 1_000_000).toFixed(6)} USD ` +
        '(adjustments appear in analytics once the sink has stored them)',
    )
  })

program
  .command('report:run')
  .description('Export a saved report (by id) or a ReportSpec file (spec.json) as CSV, XLSX, PDF or JSON')
  .argument('<report>', 'a saved report id, or a path to a ReportSpec JSON file (reports/README.md)')
  .requiredOption('--tenant <slug>', 'tenant slug')
  .addOption(
    new Option('--format <format>', 'file format').choices(['csv', 'xlsx', 'pdf', 'json']).default('csv'),
  )
  .requiredOption('--out <file>', 'where to write the file')
  .option('--json', 'print the summary as JSON')
  .action(
    async (report: string, options: { tenant: string; format: string; out: string; json?: boolean }) => {
      const result = await reportRun(config(), report, options)
      print(
        Boolean(options.json),
        result,
        () =>
          `Wrote ${result.out}: ${result.rows ?? 'streamed'} rows, ${result.bytes} bytes (${result.filename})`,
      )
    },
  )

program
  .command('analyst:create')
  .description(
    'Create a SQL analyst of a tenant: a secret key with the analyst scope (shown once) for the ClickHouse endpoint; in server mode also a ClickHouse user with a readonly profile, quota and row policy',
  )
  .requiredOption('--tenant <slug>', 'tenant slug')
  .argument('<name>', 'lowercase letters, digits, - and _')
  .option('--json', 'print JSON')
  .action(async (name: string, options: { tenant: string; json?: boolean }) => {
    const analyst = await withOperator(config(), (operator) =>
      operator.createAnalyst(options.tenant, { name }),
    )
    print(Boolean(options.json), analyst, () =>
      [
        `Analyst ${analyst.name} of ${options.tenant} created (${analyst.mode} mode).`,
        `User: ${analyst.user}`,
        `Password (secret key, shown once, store it now): ${analyst.key}`,
        `Database: ${analyst.database}`,
        analyst.url
          ? `Endpoint (ClickHouse HTTP interface): ${analyst.url}\n  curl -u '${analyst.user}:<key>' '${analyst.url}/?query=SELECT%20count()%20FROM%20events'`
          : 'Connect to the ClickHouse server (CLICKHOUSE_URL) with this user and password.',
      ].join('\n'),
    )
  })

program
  .command('analyst:list')
  .description("List a tenant's SQL analysts")
  .requiredOption('--tenant <slug>', 'tenant slug')
  .option('--json', 'print JSON')
  .action(async (options: { tenant: string; json?: boolean }) => {
    const analysts = await withOperator(config(), (operator) => operator.listAnalysts(options.tenant))
    print(Boolean(options.json), analysts, () =>
      analysts
        .map(
          (analyst) =>
            `${analyst.name}\t${analyst.user}\t${analyst.displayPrefix}...\t${analyst.createdAt}${analyst.revoked ? '\trevoked' : ''}`,
        )
        .join('\n'),
    )
  })

program
  .command('analyst:revoke')
  .description('Revoke a SQL analyst: its keys, and in server mode its ClickHouse user, quota and row policy')
  .requiredOption('--tenant <slug>', 'tenant slug')
  .argument('<name>', 'the analyst name given to analyst:create')
  .option('--json', 'print JSON')
  .action(async (name: string, options: { tenant: string; json?: boolean }) => {
    const result = await withOperator(config(), (operator) => operator.revokeAnalyst(options.tenant, name))
    print(
      Boolean(options.json),
      result,
      () => `Revoked analyst ${name} of ${options.tenant} (${result.revoked} key(s)).`,
    )
  })

program
  .command('mcp')
  .description('Serve MCP over stdio for one tenant (desktop AI clients); every tool, no key needed locally')
  .requiredOption('--tenant <slug>', 'the tenant the client acts for')
  .action(async (options: { tenant: string }) => {
    await mcpStdio(config(), options.tenant)
  })

program
  .command('errors:markdown')
  .description('Print the error catalog as a Markdown table (the README embeds it)')
  .action(() => console.log(catalogMarkdown()))

program.parseAsync().catch((error: unknown) => {
  // Validation done in-process reads like the server's catalog errors; anything else shows its message.
  const { message, details } = (error instanceof ZodError ? toAppError(error) : error) as {
    message: string
    details?: unknown
  }
  console.error(`comerix: ${message}`)
  const { issues, problems } = (details ?? {}) as {
    issues?: Array<{ path: string; message: string }>
    problems?: Array<{ nodeId?: string; path?: string; message: string } | string>
  }
  for (const issue of issues ?? []) console.error(`  - ${cliName(issue.path)}: ${issue.message}`)
  // A flow's problems (flow:publish, flow:validate): each one with its node, as the server lists them.
  for (const problem of problems ?? []) {
    if (typeof problem === 'string') console.error(`  - ${problem}`)
    else
      console.error(
        `  - ${[problem.nodeId && `node ${problem.nodeId}`, problem.path].filter(Boolean).join(', ') || 'flow'}: ${problem.message}`,
      )
  }
  process.exit(1)
})

/** A request body path as the CLI spells it: `allowedOrigins.0` -> `--allowed-origin`, `allIntents` -> `--all-intents`. */
function cliName(path: string): string {
  // The server names body fields `body.x`, the CLI's own validation `x`.
  const [head = ''] = String(path)
    .replace(/^body\./, '')
    .split('.')
  const flags: Record<string, string> = { allowedOrigins: '--allowed-origin', intents: '--intent' }
  if (Object.hasOwn(flags, head)) return flags[head] as string
  return head ? `--${head.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}` : path
}
