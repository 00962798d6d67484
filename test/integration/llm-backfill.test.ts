import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type App, createApp } from '../../bin/create-app.ts'
import { remoteOperator } from '../../bin/remote-operator.ts'
import type { CostBackfillOperator } from '../../engine/llm/cost-backfill-operator.ts'
import { runCostBackfill } from '../../engine/llm/run-cost-backfill.ts'
import { eventRow } from '../../ingest/server-event.ts'
import { tempDir } from '../support/temp-dir.ts'
import { testConfig } from '../support/test-config.ts'
import { waitFor } from '../support/wait-for.ts'

let app: App
/** The running server's operator API over HTTP: what `comerix token-spend:backfill` uses while it runs. */
let overHttp: CostBackfillOperator
const tenant: Record<'shop' | 'rival', { id: string; slug: string }> = {
  shop: { id: '', slug: 'backfill-shop' },
  rival: { id: '', slug: 'backfill-rival' },
}

const period = { from: '2026-11-01T00:00:00.000Z', to: '2026-11-02T00:00:00.000Z' }
const at = (time: string) => Date.parse(`2026-11-01T${time}Z`)

interface CallSpec {
  tenant: 'shop' | 'rival'
  ts: number
  model: string
  prompt: number
  cached: number
  completion: number
  costMicros: number
  costSource: 'provider' | 'price_catalog' | 'unpriced'
}

const calls: Record<string, CallSpec & { id: string }> = {}

function llmCall(name: string, spec: CallSpec) {
  const id = randomUUID()
  calls[name] = { ...spec, id }
  return eventRow({
    tenant_id: tenant[spec.tenant].id,
    type: 'llm.call',
    event_id: id,
    ts: spec.ts,
    chat_session_id: `chat-${name}`,
    execution_id: `exec-${name}`,
    intent: 'faq',
    flow_id: 'flow-faq',
    flow_version: 3,
    block_id: 'answer',
    widget_key: 'pk_test',
    anonymous_id: `anon-${name}`,
    props: {
      call_id: id,
      provider: spec.costSource === 'provider' ? 'openai-compatible' : 'local',
      model: spec.model,
      prompt_tokens: spec.prompt,
      cached_prompt_tokens: spec.cached,
      completion_tokens: spec.completion,
      total_tokens: spec.prompt + spec.completion,
      cost_micros: spec.costMicros,
      cost_source: spec.costSource,
      price_id: '',
      latency_ms: 120,
      outcome: spec.prompt === 0 ? 'timeout' : 'ok',
      error: spec.prompt === 0 ? 'no answer within 100 ms' : '',
    },
  })
}

/** Each call's total (call row plus adjustments) and its adjustment rows, as analytics see them. */
async function spendOf(name: string): Promise<{ total: number; adjustments: number }> {
  const [row] = await app.db.select<{ total: string; adjustments: string }>(
    `SELECT toString(sum(cost_micros)) AS total, toString(countIf(kind = 'adjustment')) AS adjustments
     FROM ${app.db.tables.llm_calls} WHERE tenant_id = {tenantId:UUID} AND call_id = {callId:String}`,
    { tenantId: tenant[calls[name]?.tenant ?? 'shop'].id, callId: calls[name]?.id ?? '' },
  )
  return { total: Number(row?.total ?? 0), adjustments: Number(row?.adjustments ?? 0) }
}

async function storedRows(): Promise<number> {
  const [row] = await app.db.select<{ n: string }>(
    `SELECT toString(count()) AS n FROM ${app.db.tables.llm_calls}`,
  )
  return Number(row?.n)
}

beforeAll(async () => {
  app = await createApp(testConfig(await tempDir(), { SINK_BATCH_WAIT_MS: '50' }))
  for (const key of ['shop', 'rival'] as const)
    tenant[key].id = (await app.operator.createTenant({ slug: tenant[key].slug })).tenant.id
  overHttp = remoteOperator(await app.listen(), app.operatorToken)
  await app.publisher.publish([
    // Seed price for gpt-4o-mini: 200 x 0.075 + 800 x 0.15 + 500 x 0.6 = 435 micros.
    llmCall('mini', {
      tenant: 'shop',
      ts: at('09:00:00.000'),
      model: 'gpt-4o-mini',
      prompt: 1_000,
      cached: 200,
      completion: 500,
      costMicros: 435,
      costSource: 'price_catalog',
    }),
    llmCall('finetune', {
      tenant: 'shop',
      ts: at('10:00:00.000'),
      model: 'ft:shop-v1',
      prompt: 2_000,
      cached: 0,
      completion: 100,
      costMicros: 0,
      costSource: 'unpriced',
    }),
    llmCall('routed', {
      tenant: 'shop',
      ts: at('11:00:00.000'),
      model: 'gpt-4o-mini',
      prompt: 1_000,
      cached: 0,
      completion: 500,
      costMicros: 9_999,
      costSource: 'provider',
    }),
    llmCall('failed', {
      tenant: 'shop',
      ts: at('12:00:00.000'),
      model: 'gpt-4o-mini',
      prompt: 0,
      cached: 0,
      completion: 0,
      costMicros: 0,
      costSource: 'price_catalog',
    }),
    llmCall('before', {
      tenant: 'shop',
      ts: Date.parse('2026-10-31T23:59:59.999Z'),
      model: 'gpt-4o-mini',
      prompt: 1_000,
      cached: 200,
      completion: 500,
      costMicros: 435,
      costSource: 'price_catalog',
    }),
    llmCall('rival', {
      tenant: 'rival',
      ts: at('09:30:00.000'),
      model: 'gpt-4o-mini',
      prompt: 1_000,
      cached: 200,
      completion: 500,
      costMicros: 435,
      costSource: 'price_catalog',
    }),
  ])
  await waitFor(async () => (await storedRows()) === 6, { message: 'the calls were stored' })
})

afterAll(() => app?.close())

describe('token-spend backfill', () => {
  it('publishes one adjustment per re-priced call, at the call time, paging through the period', async () => {
    const { prices } = app.engine.llm
    await prices.add(tenant.shop.id, {
      modelPattern: 'gpt-4o-mini*',
      inputMicrosPerMTok: 1_000_000,
      cachedInputMicrosPerMTok: 100_000,
      outputMicrosPerMTok: 2_000_000,
      effectiveFrom: '2026-10-01T00:00:00Z',
    })
    await prices.add(tenant.shop.id, {
      modelPattern: 'ft:shop-v1',
      inputMicrosPerMTok: 300_000,
      outputMicrosPerMTok: 1_200_000,
      effectiveFrom: '2026-10-01T00:00:00Z',
    })

    const progress: number[] = []
    const summary = await runCostBackfill(
      overHttp,
      { ...period, tenant: tenant.shop.slug, limit: 2 },
      (done) => progress.push(done.scanned),
    )
    // mini: 200 x 0.1 + 800 x 1.0 + 500 x 2.0 = 1820; finetune: 2000 x 0.3 + 100 x 1.2 = 720.
    expect(summary).toEqual({
      ...period,
      tenant: tenant.shop.slug,
      total: 4,
      scanned: 4,
      adjusted: 2,
      deltaMicros: 1_820 - 435 + 720,
    })
    expect(progress).toEqual([2, 4, 4])

    await waitFor(async () => (await spendOf('finetune')).adjustments === 1, {
      message: 'adjustments stored',
    })
    expect(await spendOf('mini')).toEqual({ total: 1_820, adjustments: 1 })
    expect(await spendOf('finetune')).toEqual({ total: 720, adjustments: 1 })
    expect(await spendOf('routed')).toEqual({ total: 9_999, adjustments: 0 })
    expect(await spendOf('failed')).toEqual({ total: 0, adjustments: 0 })
    expect(await spendOf('before')).toEqual({ total: 435, adjustments: 0 })
    expect(await spendOf('rival')).toEqual({ total: 435, adjustments: 0 })

    const [adjustment] = await app.db.select<Record<string, unknown>>(
      `SELECT kind, toString(toUnixTimestamp64Milli(ts)) AS ts_ms, chat_session_id, execution_id, intent, flow_id, flow_version,
         node_id, widget_key, provider, model, toString(prompt_tokens) AS prompt_tokens,
         toString(total_tokens) AS total_tokens, toString(cost_micros) AS cost_micros, cost_source, outcome, error
       FROM ${app.db.tables.llm_calls} WHERE call_id = {callId:String} AND kind = 'adjustment'`,
      { callId: calls.mini?.id ?? '' },
    )
    expect(adjustment).toEqual({
      kind: 'adjustment',
      ts_ms: String(calls.mini?.ts),
      chat_session_id: 'chat-mini',
      execution_id: 'exec-mini',
      intent: 'faq',
      flow_id: 'flow-faq',
      flow_version: 3,
      node_id: 'answer',
      widget_key: 'pk_test',
      provider: 'local',
      model: 'gpt-4o-mini',
      prompt_tokens: '0',
      total_tokens: '0',
      cost_micros: String(1_820 - 435),
      cost_source: 'price_catalog',
      outcome: 'adjustment',
      error: '',
    })
  })

  it('changes nothing when run again', async () => {
    const summary = await runCostBackfill(overHttp, { ...period, tenant: tenant.shop.slug }, () => undefined)
    expect(summary).toMatchObject({ scanned: 4, adjusted: 0, deltaMicros: 0 })
  })

  it('adjusts again after a later price change, in-process and across tenants', async () => {
    await app.engine.llm.prices.add(tenant.shop.id, {
      modelPattern: 'gpt-4o-mini',
      inputMicrosPerMTok: 150_000,
      cachedInputMicrosPerMTok: 75_000,
      outputMicrosPerMTok: 600_000,
      effectiveFrom: '2026-10-15T00:00:00Z',
    })
    const summary = await runCostBackfill(app.engine.llm.costBackfill, period, () => undefined)
    // Back to the seed figure for mini (the exact name beats the glob); the rival already pays it.
    expect(summary).toMatchObject({ total: 5, scanned: 5, adjusted: 1, deltaMicros: 435 - 1_820 })
    await waitFor(async () => (await spendOf('mini')).adjustments === 2, {
      message: 'second adjustment stored',
    })
    expect(await spendOf('mini')).toEqual({ total: 435, adjustments: 2 })
  })

  it('refuses an unknown tenant and an empty period', async () => {
    await expect(runCostBackfill(overHttp, { ...period, tenant: 'nobody' }, () => undefined)).rejects.toThrow(
      'not_found',
    )
    await expect(
      app.engine.llm.costBackfill.backfillCosts({ from: period.to, to: period.from }),
    ).rejects.toThrow('`to` must be after `from`')
  })
})
