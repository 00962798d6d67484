import type { FlowService } from '../../engine/flows/flow-service.ts'
import type { EventPublisher } from '../../ingest/event-publisher.ts'
import type { Db } from '../../platform/clickhouse/db.ts'
import { AppError } from '../../platform/errors/catalog.ts'
import type { TenancyService } from '../../platform/tenancy/tenancy-service.ts'
import type { DemoOperator } from '../demo-operator.ts'
import { FLOW_SCRIPTS } from './demo-catalog.ts'
import { generateHistory, runTagOf } from './generate-history.ts'
import {
  type FlowRef,
  type GenerationInput,
  type GenerationOptions,
  type GenerationTarget,
  generationInput,
} from './generation-options.ts'
import { type GenerationSummary, SummaryTally } from './generation-summary.ts'

export type GenerationPhase = 'publish' | 'store' | 'insert'

/**
 * `publish` counts visitors generated and appended to the event log, `store` events the sink stored,
 * `insert` visitors generated and inserted straight into `events` (the `direct` bulk path).
 */
export interface GenerationProgress {
  phase: GenerationPhase
  done: number
  total: number
}

export interface PreparedGeneration {
  options: GenerationOptions
  target: GenerationTarget
}

export interface DemoGenerator {
  /** Validates the input and resolves the tenant (seeding the demo tenant when none is named). */
  prepare(input: GenerationInput): Promise<PreparedGeneration>
  /** Publishes the history through the event log and resolves once the sink stored all of it. */
  run(
    prepared: PreparedGeneration,
    onProgress: (progress: GenerationProgress) => void,
  ): Promise<GenerationSummary>
}

export interface DemoGeneratorDeps {
  tenancy: TenancyService
  flows: Pick<FlowService, 'publishedIntents'>
  publisher: EventPublisher
  db: Db
  demo: DemoOperator
}

const POLL_MS = 1_000
/** The sink stores thousands of rows a second; this long without one more row means none runs. */
const STALL_MS = 120_000
/** Rows per direct insert: large blocks are what ClickHouse inserts fastest (and merges least). */
const DIRECT_BATCH_ROWS = 100_000

export function createDemoGenerator(deps: DemoGeneratorDeps): DemoGenerator {
  const { tenancy, flows, publisher, db } = deps

  async function resolveTenant(reference: string | undefined): Promise<string> {
    const slug = reference ?? (await deps.demo.seedDemo()).tenant
    const tenant = (await tenancy.listTenants()).find(
      (candidate) => candidate.id === slug || candidate.slug === slug,
    )
    if (!tenant) throw new AppError('not_found', `no tenant with id or slug "${slug}"`)
    return tenant.id
  }

  async function storedCount(tenantId: string, runTag: string): Promise<number> {
    const [row] = await db.select<{ stored: string }>(
      `SELECT count() AS stored FROM ${db.tables.events}
       WHERE tenant_id = {tenantId:UUID} AND startsWith(toString(event_id), {tag:String})`,
      { tenantId, tag: `${runTag}-` },
    )
    return Number(row?.stored ?? 0)
  }

  return {
    async prepare(input) {
      const parsed = generationInput.parse(input)
      const options = { ...parsed, now: parsed.now ?? Date.now() }
      const tenantId = await resolveTenant(options.tenant)
      const widgetKey = (await tenancy.listWidgetKeys(tenantId)).find((key) => !key.revoked)?.publicKey ?? ''
      const published = await flows.publishedIntents(tenantId)
      // Without published flows the chats still name the demo intents, with ids that say they are made up.
      const flowRefs: Map<string, FlowRef> =
        published.size > 0
          ? new Map(published)
          : new Map(
              Object.keys(FLOW_SCRIPTS).map((intent) => [
                intent,
                { flowId: `generated-${intent}`, version: 1 },
              ]),
            )
      return { options, target: { tenantId, widgetKey, flows: flowRefs } }
    },

    async run({ options, target }, onProgress) {
      if (options.direct) return insertDirectly(db, options, target, onProgress, storedCount)
      const started = performance.now()
      const tally = new SummaryTally()
      let published = 0
      for (const batch of generateHistory(options, target, tally)) {
        await publisher.publish(batch.rows)
        published += batch.rows.length
        onProgress({ phase: 'publish', done: batch.visitorsDone, total: options.visitors })
      }
      const runTag = runTagOf(options)
      let stored = -1
      let lastChange = performance.now()
      for (;;) {
        const count = await storedCount(target.tenantId, runTag)
        onProgress({ phase: 'store', done: Math.min(count, published), total: published })
        if (count >= published) {
          stored = count
          break
        }
        if (count !== stored) {
          stored = count
          lastChange = performance.now()
        } else if (performance.now() - lastChange > STALL_MS) {
          throw new AppError(
            'not_ready',
            `the sink stored ${count} of ${published} generated events and nothing more for ${STALL_MS / 1000} s; is a process with the sink role running? (events the sink refused are in events_dead_letter)`,
          )
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS))
      }
      const summary = tally.finish(options, target.tenantId, runTag)
      return { ...summary, stored, seconds: (performance.now() - started) / 1000 }
    },
  }
}

/**
 * The bulk path: the generator's rows (built as the intake and the engine build them) go straight into
 * `events`, 100k at a time, one insert in flight while the next batch is generated. Each insert carries a
 * deduplication token of the run and batch, so a repeated run (same seed and end time) is stored once.
 */
async function insertDirectly(
  db: Db,
  options: GenerationOptions,
  target: GenerationTarget,
  onProgress: (progress: GenerationProgress) => void,
  storedCount: (tenantId: string, runTag: string) => Promise<number>,
): Promise<GenerationSummary> {
  const started = performance.now()
  const tally = new SummaryTally()
  const runTag = runTagOf(options)
  let batchIndex = 0
  let inFlight: Promise<void> = Promise.resolve()
  for (const batch of generateHistory(options, target, tally, DIRECT_BATCH_ROWS)) {
    await inFlight
    const token = `demo:${runTag}:${batchIndex++}`
    inFlight = db
      .insert('events', batch.rows, { insert_deduplication_token: token })
      .then(() => onProgress({ phase: 'insert', done: batch.visitorsDone, total: options.visitors }))
  }
  await inFlight
  const summary = tally.finish(options, target.tenantId, runTag)
  const stored = await storedCount(target.tenantId, runTag)
  return { ...summary, stored, seconds: (performance.now() - started) / 1000 }
}
