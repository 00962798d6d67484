#!/usr/bin/env -S npx tsx
import { Command, Option } from 'commander'
import { ZodError } from 'zod'
import { type Config, ConfigError, loadConfig } from '../platform/config/config.ts'
import { VERSION } from '../platform/create-platform.ts'
import { catalogMarkdown } from '../platform/errors/catalog.ts'
import { toAppError } from '../platform/http/error-handler.ts'
import { createApp } from './create-app.ts'
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
  .action(async () => {
    const app = await createApp(config())
    let stopping = false
    const stop = async (signal: string) => {
      if (stopping) return
      stopping = true
      app.logger.info({ signal }, 'shutting down')
      await app.close()
      app.logger.info('stopped')
      process.exit(0)
    }
    process.on('SIGTERM', () => void stop('SIGTERM'))
    process.on('SIGINT', () => void stop('SIGINT'))
    await app.listen()
  })

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
  .description('Create a public widget key for a tenant')
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
  const issues = (details as { issues?: Array<{ path: string; message: string }> } | undefined)?.issues
  for (const issue of issues ?? []) console.error(`  - ${issue.path}: ${issue.message}`)
  process.exit(1)
})
