import { fileURLToPath } from 'node:url'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningServer, runCli, startServer } from '../support/cli.ts'
import { tempDir } from '../support/temp-dir.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const EMBEDDED = { REDIS_URL: '', KAFKA_BROKERS: '', CLICKHOUSE_URL: '' }

// biome-ignore lint/suspicious/noExplicitAny: tests read structured results field by field
type Structured = any

const ANALYST_TOOLS = [
  'attribution',
  'conversions',
  'engagement_funnel',
  'export_report',
  'get_report',
  'list_dashboards',
  'list_metric_families',
  'list_reports',
  'pin_report',
  'run_report',
  'run_sql',
  'save_report',
  'token_spend',
]
const ADMIN_TOOLS = [
  'create_connection',
  'flow_versions',
  'get_connection',
  'get_execution_trace',
  'get_flow',
  'list_connections',
  'list_flows',
  'list_schedules',
  'publish_flow',
  'save_flow_draft',
  'search_executions',
  'test_connection',
  'test_run_flow',
  'unpublish_flow',
  'update_connection',
  'validate_flow',
]

const FLOW = {
  intent: 'mcp_test',
  name: 'MCP test flow',
  start: 'hello',
  nodes: [
    { id: 'hello', type: 'message', blocks: [{ kind: 'text', markdown: 'Hi! Which size?' }], next: 'size' },
    {
      id: 'size',
      type: 'ask',
      input: {
        kind: 'buttons',
        variable: 'size',
        options: [
          { label: 'Small', value: 'S' },
          { label: 'Large', value: 'L' },
        ],
      },
      next: 'done',
    },
    { id: 'done', type: 'end', message: 'You chose {{size}}.' },
  ],
}

let dataDir: string
let server: RunningServer
let tenant: string
let adminKey: string
let analystKey: string
let mcpKey: string
let otherKey: string
const clients: Client[] = []

async function api(method: string, path: string, key: string, body?: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return { status: response.status, body: (await response.json()) as Structured }
}

async function connect(key: string, options: ConstructorParameters<typeof Client>[1] = {}): Promise<Client> {
  const client = new Client({ name: 'comerix-test', version: '1.0.0' }, options)
  await client.connect(
    new StreamableHTTPClientTransport(new URL('/mcp', server.url), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
    }),
  )
  clients.push(client)
  return client
}

async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
  const result = await client.callTool({ name, arguments: args })
  return { isError: result.isError === true, data: result.structuredContent as Structured, result }
}

async function toolNames(client: Client): Promise<string[]> {
  return (await client.listTools()).tools.map((tool) => tool.name).sort()
}

const cliJson = async (args: string[]) => {
  const result = await runCli([...args, '--json'], { DATA_DIR: dataDir })
  expect(result.code, result.stderr).toBe(0)
  return JSON.parse(result.stdout)
}

beforeAll(async () => {
  dataDir = await tempDir()
  server = await startServer({ DATA_DIR: dataDir })
  const demo = await cliJson(['demo:seed'])
  tenant = demo.tenant
  adminKey = demo.adminKey
  await cliJson([
    'demo:generate',
    '--days',
    '3',
    '--visitors',
    '60',
    '--conversion-rate',
    '0.3',
    '--seed',
    '7',
  ])
  analystKey = (await api('POST', '/v1/admin/secret-keys', adminKey, { scopes: ['analyst'] })).body.key
  mcpKey = (await api('POST', '/v1/admin/secret-keys', adminKey, { scopes: ['mcp'] })).body.key
  otherKey = (await cliJson(['tenant:create', 'mcp-other'])).adminKey.key
}, 240_000)

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close().catch(() => undefined)))
  await server?.stop()
})

describe('MCP over Streamable HTTP', () => {
  it('lists the tools a key’s scopes admit, in a session', async () => {
    const transport = new StreamableHTTPClientTransport(new URL('/mcp', server.url), {
      requestInit: { headers: { authorization: `Bearer ${mcpKey}` } },
    })
    const full = new Client({ name: 'comerix-test', version: '1.0.0' })
    await full.connect(transport)
    clients.push(full)
    expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/)
    expect(await toolNames(full)).toEqual([...ANALYST_TOOLS, ...ADMIN_TOOLS].sort())
    expect(await toolNames(await connect(adminKey))).toEqual([...ANALYST_TOOLS, ...ADMIN_TOOLS].sort())
    const analyst = await connect(analystKey)
    expect(await toolNames(analyst)).toEqual(ANALYST_TOOLS)
    await expect(
      analyst.callTool({ name: 'publish_flow', arguments: { flowId: crypto.randomUUID() } }),
    ).rejects.toThrow(/publish_flow not found/)

    const tools = (await full.listTools()).tools
    const byName = new Map(tools.map((tool) => [tool.name, tool]))
    expect(byName.get('attribution')?.annotations).toMatchObject({ readOnlyHint: true })
    expect(byName.get('unpublish_flow')?.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: true,
    })
    expect(byName.get('attribution')?.outputSchema).toMatchObject({ type: 'object' })
    expect(byName.get('attribution')?.inputSchema).toMatchObject({ type: 'object' })
  })

  it('serves 2026-07-28 clients without a session', async () => {
    const transport = new StreamableHTTPClientTransport(new URL('/mcp', server.url), {
      requestInit: { headers: { authorization: `Bearer ${analystKey}` } },
    })
    const modern = new Client(
      { name: 'comerix-test', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    )
    await modern.connect(transport)
    clients.push(modern)
    expect(modern.getProtocolEra()).toBe('modern')
    expect(await toolNames(modern)).toEqual(ANALYST_TOOLS)
    const families = await call(modern, 'list_metric_families')
    expect(families.data.families.map((family: Structured) => family.name)).toContain('attribution')
  })

  it('answers attribution with the numbers of GET /v1/analytics/attribution', async () => {
    const client = await connect(analystKey)
    const today = new Date().toISOString().slice(0, 10)
    const from = new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10)
    const metrics = [
      'attributed_conversions',
      'attributed_revenue_micros',
      'direct_conversions',
      'assisted_conversions',
    ]
    const answer = await call(client, 'attribution', {
      from,
      to: today,
      groupBy: ['flow'],
      model: 'linear',
      metrics,
    })
    expect(answer.isError, JSON.stringify(answer.result)).toBe(false)
    const query = new URLSearchParams({
      metrics: metrics.join(','),
      groupBy: 'flow',
      from,
      to: today,
      granularity: 'total',
      model: 'linear',
    })
    const rest = await api('GET', `/v1/analytics/attribution?${query}`, analystKey)
    expect(rest.status).toBe(200)
    expect(answer.data.rows).toEqual(rest.body.rows)
    expect(answer.data.totals).toEqual(rest.body.totals)
    expect(Number(answer.data.totals[0]?.attributed_conversions)).toBeGreaterThan(0)
    expect(answer.result.content).toEqual([expect.objectContaining({ type: 'text' })])
  })

  it('validates, saves, test-runs and publishes a flow', async () => {
    const client = await connect(mcpKey)
    const broken = await call(client, 'validate_flow', {
      document: {
        ...FLOW,
        nodes: [...FLOW.nodes.slice(0, 2), { id: 'done', type: 'end', message: '{{nope}}' }],
      },
    })
    expect(broken.isError).toBe(false)
    expect(broken.data.ok).toBe(false)
    expect(broken.data.problems).toContainEqual(expect.objectContaining({ nodeId: 'done' }))
    expect((await call(client, 'validate_flow', { document: FLOW })).data).toEqual({ ok: true, problems: [] })

    const saved = await call(client, 'save_flow_draft', { document: FLOW })
    expect(saved.isError, JSON.stringify(saved.result)).toBe(false)
    const flowId = saved.data.flowId
    const run = await call(client, 'test_run_flow', { flowId, answers: [{ size: 'L' }] })
    expect(run.data.outcome).toBe('completed')
    expect(
      run.data.turns.map((turn: Structured) => turn.blocks.map((block: Structured) => block.type)),
    ).toEqual([['text', 'buttons'], ['text']])
    expect(run.data.turns[1].blocks[0].markdown).toBe('You chose L.')
    const badAnswer = await call(client, 'test_run_flow', { flowId, answers: [{ size: 'XL' }] })
    expect(badAnswer.data.outcome).toBe('invalid_answer')

    const published = await call(client, 'publish_flow', { flowId })
    expect(published.data).toMatchObject({ version: 1, intent: 'mcp_test' })
    expect((await call(client, 'flow_versions', { flowId })).data.versions).toHaveLength(1)
    const listed = await api('GET', `/v1/admin/flows/${flowId}`, adminKey)
    expect(listed.body.publishedVersion).toBe(1)
  })

  it('creates a connection and never shows its secret', async () => {
    const client = await connect(mcpKey)
    const created = await call(client, 'create_connection', {
      name: 'crm',
      baseUrl: 'https://crm.example.com/api/',
      auth: { kind: 'bearer', token: 'super-secret-token' },
    })
    expect(created.isError, JSON.stringify(created.result)).toBe(false)
    expect(created.data).toMatchObject({
      name: 'crm',
      baseUrl: 'https://crm.example.com/api',
      hasSecret: true,
    })
    const read = await call(client, 'get_connection', { name: 'crm' })
    expect(JSON.stringify(read.result)).not.toContain('super-secret-token')
    const again = await call(client, 'create_connection', { name: 'crm', baseUrl: 'https://crm.example.com' })
    expect(again.isError).toBe(true)
    expect(again.data.error.code).toBe('conflict')
    const rest = await api('GET', '/v1/admin/connections/crm', adminKey)
    expect(rest.body.name).toBe('crm')
  })

  it('searches executions and reads one trace', async () => {
    const client = await connect(mcpKey)
    const found = await call(client, 'search_executions', { limit: 5 })
    expect(found.data.executions.length).toBeGreaterThan(0)
    const executionId = found.data.executions[0].executionId
    const trace = await call(client, 'get_execution_trace', { executionId })
    expect(trace.isError).toBe(false)
    expect(trace.data.executionId).toBe(executionId)
    expect(trace.data.steps.length).toBeGreaterThan(0)
    const rest = await api('GET', `/v1/admin/executions/${executionId}`, adminKey)
    expect(trace.data.steps).toEqual(rest.body.steps)
  })

  it('runs read-only SQL over the analyst schema and exports a report behind a link', async () => {
    const client = await connect(analystKey)
    const counted = await call(client, 'run_sql', { sql: 'SELECT count() AS n FROM events' })
    expect(counted.isError, JSON.stringify(counted.result)).toBe(false)
    expect(Number(counted.data.rows[0].n)).toBeGreaterThan(0)
    const refused = await call(client, 'run_sql', { sql: 'DROP TABLE events' })
    expect(refused.isError).toBe(true)

    const saved = await call(client, 'save_report', {
      spec: {
        title: 'Conversions',
        family: 'conversions',
        metrics: ['conversions'],
        dateRange: { range: 'last_7_days' },
      },
    })
    expect(saved.isError, JSON.stringify(saved.result)).toBe(false)
    const exported = await call(client, 'export_report', { reportId: saved.data.reportId, format: 'csv' })
    expect(exported.isError, JSON.stringify(exported.result)).toBe(false)
    const download = await fetch(exported.data.downloadUrl)
    expect(download.status).toBe(200)
    expect(await download.text()).toContain('Conversions')
    const resource = await client.readResource({ uri: `comerix://reports/${saved.data.reportId}` })
    expect(JSON.stringify(resource.contents[0])).toContain('conversions')
  })

  it('maps failures to catalog errors the model can read', async () => {
    const client = await connect(mcpKey)
    const missing = await call(client, 'get_flow', { flowId: crypto.randomUUID() })
    expect(missing.isError).toBe(true)
    expect(missing.data.error).toMatchObject({ code: 'not_found', retryable: false })
    const unknown = await call(client, 'run_report', {
      spec: { title: 'x', family: 'attribution', metrics: ['nope'], dateRange: { range: 'last_7_days' } },
    })
    expect(unknown.data.error.code).toBe('validation_failed')
    expect(JSON.stringify(unknown.data.error.details)).toContain('attributed_conversions')
    const badInput = await client.callTool({ name: 'attribution', arguments: { model: 'best_guess' } })
    expect(badInput.isError).toBe(true)
  })

  it('shows a key of another tenant nothing of this one', async () => {
    const mine = await connect(mcpKey)
    const flowId = (await call(mine, 'list_flows')).data.flows[0].flowId
    const executionId = (await call(mine, 'search_executions', { limit: 1 })).data.executions[0].executionId
    const other = await connect(otherKey)
    expect((await call(other, 'list_flows')).data.flows).toEqual([])
    expect((await call(other, 'get_flow', { flowId })).data.error.code).toBe('not_found')
    expect((await call(other, 'search_executions')).data.executions).toEqual([])
    expect((await call(other, 'get_execution_trace', { executionId })).data.error.code).toBe('not_found')
    expect((await call(other, 'list_connections')).data.connections).toEqual([])
    expect((await call(other, 'list_reports')).data.reports).toEqual([])
    expect(
      Number((await call(other, 'run_sql', { sql: 'SELECT count() AS n FROM events' })).data.rows[0].n),
    ).toBe(0)
    const attribution = await call(other, 'attribution', { range: 'last_7_days' })
    expect(attribution.data.rows).toEqual([])

    // A session belongs to the key that opened it.
    const transport = new StreamableHTTPClientTransport(new URL('/mcp', server.url), {
      requestInit: { headers: { authorization: `Bearer ${mcpKey}` } },
    })
    const owner = new Client({ name: 'comerix-test', version: '1.0.0' })
    await owner.connect(transport)
    clients.push(owner)
    const hijack = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${otherKey}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': String(transport.sessionId),
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    })
    expect(hijack.status).toBe(404)
  })

  it('refuses missing and unscoped credentials with catalog errors', async () => {
    const none = await fetch(`${server.url}/mcp`, { method: 'POST', body: '{}' })
    expect(none.status).toBe(401)
    expect(((await none.json()) as Structured).error.code).toBe('unauthorized')
    const engineKey = (await api('POST', '/v1/admin/secret-keys', adminKey, { scopes: ['engine'] })).body.key
    const engine = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${engineKey}` },
      body: '{}',
    })
    expect(engine.status).toBe(403)
    expect(((await engine.json()) as Structured).error.code).toBe('forbidden')
  })

  it('answers malformed JSON-RPC with JSON-RPC errors and stays up', async () => {
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${server.url}/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${mcpKey}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
        body,
      })
    const bodies = [
      '{"jsonrpc":"2.0","id":1,"method":',
      '[',
      'null',
      '42',
      '{}',
      '[]',
      '{"jsonrpc":"1.0","id":1,"method":"tools/list"}',
      '{"jsonrpc":"2.0","id":{"x":1},"method":"tools/list"}',
      '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
      '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":42}}',
      `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`,
    ]
    for (const body of bodies) {
      const response = await post(body)
      expect(response.status, body.slice(0, 60)).toBeGreaterThanOrEqual(400)
      expect(response.status, body.slice(0, 60)).toBeLessThan(500)
      const answer = (await response.json()) as Structured
      expect(answer.jsonrpc, body.slice(0, 60)).toBe('2.0')
      expect(typeof answer.error?.code, body.slice(0, 60)).toBe('number')
    }
    const unknownSession = await post('{"jsonrpc":"2.0","id":1,"method":"tools/list"}', {
      'mcp-session-id': 'nope',
    })
    expect(unknownSession.status).toBe(404)

    const transport = new StreamableHTTPClientTransport(new URL('/mcp', server.url), {
      requestInit: { headers: { authorization: `Bearer ${mcpKey}` } },
    })
    const client = new Client({ name: 'comerix-test', version: '1.0.0' })
    await client.connect(transport)
    clients.push(client)
    const unknownMethod = await post('{"jsonrpc":"2.0","id":7,"method":"no/such/method"}', {
      'mcp-session-id': String(transport.sessionId),
    })
    expect(await unknownMethod.text()).toContain('-32601')
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
    expect(await toolNames(client)).toContain('list_flows')
  })
})

describe('MCP over stdio (comerix mcp --tenant)', () => {
  const stdioClient = async () => {
    const client = new Client({ name: 'comerix-test', version: '1.0.0' })
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: ['--import', 'tsx', 'bin/comerix.ts', 'mcp', '--tenant', tenant],
        cwd: ROOT,
        env: {
          ...(process.env as Record<string, string>),
          ...EMBEDDED,
          DATA_DIR: dataDir,
          LOG_LEVEL: 'warn',
        },
        stderr: 'pipe',
      }),
    )
    return client
  }

  it('relays to the running server, and opens the stores itself when none runs', {
    timeout: 180_000,
  }, async () => {
    const relayed = await stdioClient()
    try {
      expect(await toolNames(relayed)).toEqual([...ANALYST_TOOLS, ...ADMIN_TOOLS].sort())
      const flows = (await call(relayed, 'list_flows')).data.flows
      expect(flows.map((flow: Structured) => flow.intent)).toContain('mcp_test')
    } finally {
      await relayed.close()
    }
    await server.stop()
    const direct = await stdioClient()
    try {
      const flows = (await call(direct, 'list_flows')).data.flows
      expect(flows.map((flow: Structured) => flow.intent)).toContain('mcp_test')
      const families = await direct.readResource({ uri: 'comerix://metrics' })
      expect(JSON.stringify(families.contents[0])).toContain('attributed_revenue_micros')
      expect((await direct.listPrompts()).prompts.map((prompt) => prompt.name).sort()).toEqual([
        'best_chat_roi_flow',
        'conversions_drop',
      ])
    } finally {
      await direct.close()
    }
  })
})
