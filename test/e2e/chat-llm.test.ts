import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type App, createApp } from '../../bin/create-app.ts'
import { LOCAL_MODEL } from '../../engine/llm/local-provider.ts'
import { type ChatCompletionsServer, startChatCompletionsServer } from '../support/chat-completions-server.ts'
import { jsonApi } from '../support/json-api.ts'
import { tempDir } from '../support/temp-dir.ts'
import { testConfig } from '../support/test-config.ts'
import { waitFor } from '../support/wait-for.ts'

const ORIGIN = 'https://llm.example'
const QUESTION = 'How long does shipping take?'
const FAQ = [
  { title: 'How long does shipping take?', text: 'Delivery takes 2-4 days.' },
  { title: 'What is your return policy?', text: 'Unworn items can be returned within 30 days.' },
]

const llm = (id: string, next: string, fields: Record<string, unknown> = {}) => ({
  id,
  type: 'llm',
  model: LOCAL_MODEL,
  prompt: '{{context.text}}',
  grounding: FAQ,
  next,
  ...fields,
})
/** The `ai` connection: an OpenAI-compatible API (the loopback Chat Completions server). */
const remote = (id: string, next: string, fields: Record<string, unknown> = {}) =>
  llm(id, next, { provider: 'ai', model: 'gpt-4o-mini', system: 'Answer briefly.', ...fields })
const end = (id: string, message: string) => ({ id, type: 'end', message })
const flow = (intent: string, nodes: unknown[], variables: Record<string, unknown> = {}) => ({
  intent,
  name: intent,
  variables,
  start: (nodes[0] as { id: string }).id,
  nodes,
})

const FLOWS = [
  // Two local calls in one turn, then a question: the next turn must not inherit the usage.
  flow('local_two', [
    llm('first', 'second'),
    llm('second', 'more', { prompt: 'What is your return policy?' }),
    {
      id: 'more',
      type: 'ask',
      input: { kind: 'buttons', variable: 'more', options: [{ label: 'No, thanks', value: 'no' }] },
      next: 'bye',
    },
    end('bye', 'Bye'),
  ]),
  flow('mixed', [llm('local', 'remote'), remote('remote', 'done'), end('done', 'Done')]),
  flow(
    'remote_branch',
    [
      remote('remote', 'done', { variable: 'reply', showAnswer: false, timeoutMs: 5_000, onError: 'sorry' }),
      end('done', 'said: {{reply}}'),
      end('sorry', 'fallback: {{error.message}}'),
    ],
    { reply: null, error: null },
  ),
  flow('remote_slow', [
    remote('remote', 'done', { timeoutMs: 1_000, onError: 'sorry' }),
    end('done', 'Done'),
    end('sorry', 'slow'),
  ]),
  flow('remote_patient', [remote('remote', 'done', { timeoutMs: 15_000 }), end('done', 'Done')]),
  flow('remote_fail', [
    llm('local', 'remote'),
    remote('remote', 'done', { timeoutMs: 5_000 }),
    end('done', 'Done'),
  ]),
]

type TokenUsage = {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  model: string
  cost_micros: number
  cost_usd: number
}
type Reply = {
  executionId: string
  status: string
  blocks: Array<{ id: string; type: string; markdown?: string }>
  waitToken?: string
  error?: { code: string; message: string }
  tokenUsage?: TokenUsage
}
type CallRow = {
  call_id: string
  event_id: string
  node_id: string
  provider: string
  model: string
  prompt_tokens: number
  cached_prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  cost_micros: number
  cost_source: string
  price_id: string
  outcome: string
  error: string
}

/**
 * `llm` nodes over a real socket: the local provider and an OpenAI-compatible API through a tenant
 * connection; every reply's tokenUsage against the `llm.call` rows stored in ClickHouse.
 */
describe('chat with llm nodes', () => {
  let app: App
  let base: string
  let tenantId: string
  let publicKey: string
  let completions: ChatCompletionsServer
  let analyst: Record<string, string>

  const api = jsonApi(() => base, ORIGIN)
  const openSession = async () => {
    const response = await api('POST', `/v1/chat/sessions?publicKey=${publicKey}`, {
      anonymousId: 'anon-llm',
    })
    expect(response.status).toBe(201)
    return { authorization: `Bearer ${response.body.sessionToken}` }
  }
  const chat = async (auth: Record<string, string>, body: unknown): Promise<Reply> => {
    const response = await api('POST', `/v1/chat/messages?publicKey=${publicKey}`, body, auth)
    expect(response.status, JSON.stringify(response.body)).toBe(200)
    return response.body
  }
  const poll = async (auth: Record<string, string>, executionId: string): Promise<Reply> =>
    (await api('GET', `/v1/chat/executions/${executionId}?publicKey=${publicKey}`, undefined, auth)).body
  const settled = async (auth: Record<string, string>, started: Reply): Promise<Reply> => {
    let reply = started
    await waitFor(
      async () => {
        reply = await poll(auth, started.executionId)
        return reply.status !== 'waiting_time'
      },
      { timeoutMs: 20_000, intervalMs: 200, message: `${started.executionId} to finish its LLM calls` },
    )
    return reply
  }
  /** Triggers `intent` with the question and polls until the turn's async steps are done. */
  const ask = async (auth: Record<string, string>, intentName: string): Promise<Reply> => {
    const started = await chat(auth, { intentName, text: QUESTION })
    expect(started.status).toBe('waiting_time')
    expect(started.tokenUsage).toBeUndefined()
    return settled(auth, started)
  }
  /** The execution's `llm.call` rows, once `count` of them reached ClickHouse. */
  const storedCalls = async (executionId: string, count: number): Promise<CallRow[]> => {
    let rows: CallRow[] = []
    await waitFor(
      async () => {
        rows = await app.db.select<CallRow>(
          `SELECT call_id, event_id, node_id, provider, model, prompt_tokens, cached_prompt_tokens,
                  completion_tokens, total_tokens, cost_micros, cost_source, price_id, outcome, error
             FROM ${app.db.tables.llm_calls}
            WHERE tenant_id = {tenantId:UUID} AND execution_id = {executionId:String} AND kind = 'call'
            ORDER BY ts, node_id`,
          { tenantId, executionId },
        )
        return rows.length >= count
      },
      { timeoutMs: 15_000, intervalMs: 200, message: `${count} llm.call rows of ${executionId}` },
    )
    expect(rows).toHaveLength(count)
    return rows.map((row) => ({
      ...row,
      prompt_tokens: Number(row.prompt_tokens),
      cached_prompt_tokens: Number(row.cached_prompt_tokens),
      completion_tokens: Number(row.completion_tokens),
      total_tokens: Number(row.total_tokens),
      cost_micros: Number(row.cost_micros),
    }))
  }
  /** What a reply's tokenUsage must be: the sum of the rows, the models in call order. */
  const summed = (rows: CallRow[]): TokenUsage => {
    const sum = (key: 'prompt_tokens' | 'completion_tokens' | 'total_tokens' | 'cost_micros') =>
      rows.reduce((total, row) => total + row[key], 0)
    return {
      prompt_tokens: sum('prompt_tokens'),
      completion_tokens: sum('completion_tokens'),
      total_tokens: sum('total_tokens'),
      model: [...new Set(rows.map((row) => row.model))].join(','),
      cost_micros: sum('cost_micros'),
      cost_usd: sum('cost_micros') / 1e6,
    }
  }
  const statusChange = async (executionId: string, to: string): Promise<Record<string, unknown>> => {
    let props: Record<string, unknown> | undefined
    await waitFor(
      async () => {
        const [row] = await app.db.select<{ props: string }>(
          `SELECT props FROM ${app.db.tables.events}
            WHERE tenant_id = {tenantId:UUID} AND type = 'chat.execution.status_changed'
              AND execution_id = {executionId:String} AND JSONExtractString(props, 'to') = {to:String}`,
          { tenantId, executionId, to },
        )
        props = row ? JSON.parse(row.props) : undefined
        return props !== undefined
      },
      { timeoutMs: 15_000, intervalMs: 200, message: `the status change to ${to}` },
    )
    return props as Record<string, unknown>
  }

  beforeAll(async () => {
    completions = await startChatCompletionsServer()
    app = await createApp(
      testConfig(await tempDir(), { CONNECTIONS_ALLOW_PRIVATE_NETWORKS: 'true', SINK_BATCH_WAIT_MS: '100' }),
    )
    base = await app.listen()
    const { tenant, adminKey } = await app.operator.createTenant({ slug: 'chat-llm' })
    tenantId = tenant.id
    const admin = { authorization: `Bearer ${adminKey.key}` }
    analyst = admin
    publicKey = (await app.tenancy.createWidgetKey(tenant.id, { allowedOrigins: [ORIGIN], allIntents: true }))
      .publicKey
    const connection = await api(
      'POST',
      '/v1/admin/connections',
      { name: 'ai', baseUrl: completions.baseUrl, auth: { kind: 'bearer', token: 'sk-test' } },
      admin,
    )
    expect(connection.status, JSON.stringify(connection.body)).toBe(201)
    for (const document of FLOWS) {
      const created = await api('POST', '/v1/admin/flows', document, admin)
      expect(created.status, JSON.stringify(created.body)).toBe(201)
      const published = await api('POST', `/v1/admin/flows/${created.body.flowId}/publish`, undefined, admin)
      expect(published.status, JSON.stringify(published.body)).toBe(200)
    }
  })
  afterAll(async () => {
    await app?.close()
    await completions?.close()
  })

  it('local provider: two calls in one turn; the reply carries their sum; the next turn starts afresh', async () => {
    const auth = await openSession()
    const answered = await ask(auth, 'local_two')
    expect(answered.status).toBe('waiting_input')
    expect(answered.blocks.map((block) => block.id)).toEqual(['first.answer', 'second.answer', 'more.input'])
    expect(answered.blocks[0]?.markdown).toContain('Delivery takes 2-4 days.')
    expect(answered.blocks[1]?.markdown).toContain('within 30 days')

    const rows = await storedCalls(answered.executionId, 2)
    expect(rows.map((row) => [row.node_id, row.provider, row.model, row.outcome, row.cost_source])).toEqual([
      ['first', 'local', LOCAL_MODEL, 'ok', 'price_catalog'],
      ['second', 'local', LOCAL_MODEL, 'ok', 'price_catalog'],
    ])
    for (const row of rows) {
      expect(row.call_id).toBe(row.event_id)
      expect(row.total_tokens).toBe(row.prompt_tokens + row.completion_tokens)
      expect(row.prompt_tokens).toBeGreaterThan(0)
    }
    expect(answered.tokenUsage).toEqual(summed(rows))
    expect((await statusChange(answered.executionId, 'waiting_input')).tokenUsage).toEqual(
      answered.tokenUsage,
    )

    const done = await chat(auth, {
      executionId: answered.executionId,
      waitToken: answered.waitToken,
      values: { more: 'no' },
    })
    expect(done).toMatchObject({ status: 'completed', blocks: [{ markdown: 'Bye' }] })
    expect(done.tokenUsage).toBeUndefined()
    expect((await statusChange(answered.executionId, 'completed')).tokenUsage).toBeUndefined()
  })

  it('openai-compatible through a connection: priced from the catalog, mixed models listed, rows match to the micro', async () => {
    const usage = {
      prompt_tokens: 1_200,
      completion_tokens: 300,
      total_tokens: 1_500,
      prompt_tokens_details: { cached_tokens: 200 },
    }
    completions.enqueue({
      kind: 'complete',
      content: 'Two to four days.',
      model: 'gpt-4o-mini-2024-07-18',
      usage,
    })
    const auth = await openSession()
    const done = await ask(auth, 'mixed')
    expect(done.status).toBe('completed')
    expect(done.blocks.map((block) => block.markdown)).toEqual([
      expect.stringContaining('2-4 days'),
      'Two to four days.',
      'Done',
    ])
    const sent = completions.requests.at(-1)?.body as { model: string; messages: unknown[] }
    expect(sent.model).toBe('gpt-4o-mini')
    expect(sent.messages.at(-1)).toEqual({ role: 'user', content: QUESTION })

    const rows = await storedCalls(done.executionId, 2)
    const remoteRow = rows.find((row) => row.node_id === 'remote')
    // gpt-4o-mini-2*: 0.15 USD per 1M input tokens, 0.075 cached, 0.60 output:
    // 1000 x 0.15 + 200 x 0.075 + 300 x 0.60 = 345 micros.
    expect(remoteRow).toMatchObject({
      provider: 'openai-compatible',
      model: 'gpt-4o-mini-2024-07-18',
      prompt_tokens: 1_200,
      cached_prompt_tokens: 200,
      completion_tokens: 300,
      total_tokens: 1_500,
      cost_micros: 345,
      cost_source: 'price_catalog',
      price_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      outcome: 'ok',
    })
    expect(done.tokenUsage).toEqual(summed(rows))
    expect(done.tokenUsage).toMatchObject({
      model: `${LOCAL_MODEL},gpt-4o-mini-2024-07-18`,
      cost_micros: 345,
      cost_usd: 0.000345,
    })
    expect((await statusChange(done.executionId, 'completed')).tokenUsage).toEqual(done.tokenUsage)

    // The token-spend API, over the rollup, agrees with the reply and the rows to the micro.
    const hour = 3_600_000
    const window = `from=${new Date(Date.now() - hour).toISOString()}&to=${new Date(Date.now() + hour).toISOString()}`
    const metrics = 'cost_micros,prompt_tokens,completion_tokens,total_tokens,calls'
    const spend = await api(
      'GET',
      `/v1/analytics/token-spend?${window}&granularity=total&metrics=${metrics}&filter=intent:mixed`,
      undefined,
      analyst,
    )
    expect(spend.status, JSON.stringify(spend.body)).toBe(200)
    const { prompt_tokens, completion_tokens, total_tokens, cost_micros } = done.tokenUsage as TokenUsage
    expect(spend.body.totals).toEqual([
      { cost_micros, prompt_tokens, completion_tokens, total_tokens, calls: 2 },
    ])
  })

  it('a provider 500 or a timeout takes the error branch; the failed call is recorded with what it reported', async () => {
    completions.setDefault({ kind: 'error', status: 500, message: 'upstream exploded' })
    try {
      const auth = await openSession()
      const branched = await ask(auth, 'remote_branch')
      expect(branched.status).toBe('completed')
      expect(branched.blocks).toEqual([
        expect.objectContaining({
          id: 'sorry',
          markdown: expect.stringMatching(/^fallback: LLM "ai": .*500/),
        }),
      ])
      const [failed] = await storedCalls(branched.executionId, 1)
      expect(failed).toMatchObject({
        outcome: 'error',
        total_tokens: 0,
        cost_micros: 0,
        model: 'gpt-4o-mini',
      })
      expect(failed?.error).toContain('500')
      expect(branched.tokenUsage).toEqual(summed([failed as CallRow]))

      completions.setDefault({ kind: 'complete', delayMs: 4_000 })
      const slow = await ask(auth, 'remote_slow')
      expect(slow).toMatchObject({ status: 'completed', blocks: [{ id: 'sorry', markdown: 'slow' }] })
      const [timedOut] = await storedCalls(slow.executionId, 1)
      expect(timedOut).toMatchObject({ outcome: 'timeout', total_tokens: 0, cost_micros: 0 })
      expect(slow.tokenUsage).toEqual(summed([timedOut as CallRow]))
    } finally {
      completions.setDefault({ kind: 'complete' })
    }
  })

  it('without an error branch the execution fails with llm_unavailable; the turn keeps its earlier calls', async () => {
    completions.setDefault({ kind: 'error', status: 500, message: 'upstream exploded' })
    try {
      const auth = await openSession()
      const failed = await ask(auth, 'remote_fail')
      expect(failed).toMatchObject({ status: 'failed', error: { code: 'llm_unavailable' } })
      // The answer of the call that worked is still shown.
      expect(failed.blocks.map((block) => block.id)).toEqual(['local.answer'])
      const rows = await storedCalls(failed.executionId, 2)
      expect(rows.map((row) => [row.node_id, row.outcome])).toEqual([
        ['local', 'ok'],
        ['remote', 'error'],
      ])
      expect(failed.tokenUsage).toEqual(summed(rows))
      expect(failed.tokenUsage?.total_tokens).toBe(rows[0]?.total_tokens)
      const change = await statusChange(failed.executionId, 'failed')
      expect(change).toMatchObject({ from: 'waiting_time', error: 'llm_unavailable' })
      expect(change.tokenUsage).toEqual(failed.tokenUsage)
    } finally {
      completions.setDefault({ kind: 'complete' })
    }
  })

  it('a slow LLM call holds one worker slot: other executions move on meanwhile', async () => {
    const received = completions.requests.length
    completions.enqueue({ kind: 'complete', content: 'late', delayMs: 6_000 })
    const auth = await openSession()
    const slow = await chat(auth, { intentName: 'remote_patient', text: QUESTION })
    await waitFor(() => completions.requests.length > received, {
      timeoutMs: 10_000,
      intervalMs: 50,
      message: 'the slow call to reach the provider',
    })
    const fast = await ask(auth, 'local_two')
    expect(fast.status).toBe('waiting_input')
    expect((await poll(auth, slow.executionId)).status).toBe('waiting_time')
    expect(await settled(auth, slow)).toMatchObject({
      status: 'completed',
      blocks: [{ markdown: 'late' }, { markdown: 'Done' }],
    })
  })
})
