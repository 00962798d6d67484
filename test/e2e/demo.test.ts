import { type ChildProcess, spawn } from 'node:child_process'
import { readFile, rm } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DemoInfo } from '../../demo/demo-operator.ts'
import { serverInfoPath } from '../../platform/create-platform.ts'
import { runCli } from '../support/cli.ts'
import { tempDir } from '../support/temp-dir.ts'
import { pngFile } from '../support/upload-files.ts'
import { waitFor } from '../support/wait-for.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const EMBEDDED = { REDIS_URL: '', KAFKA_BROKERS: '', CLICKHOUSE_URL: '' }

type Reply = {
  executionId: string
  status: string
  waitToken?: string
  tokenUsage?: {
    prompt_tokens: number
    completion_tokens: number
    total_tokens: number
    model: string
    cost_micros: number
    cost_usd: number
  }
  // biome-ignore lint/suspicious/noExplicitAny: block payloads differ by type; the assertions check them
  blocks: Array<{ id: string; type: string } & Record<string, any>>
}

/** `comerix serve --demo` on a free port; resolves once the walkthrough is printed (the seed is done). */
async function startDemoServer(dataDir: string) {
  await rm(serverInfoPath(dataDir), { force: true })
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'bin/comerix.ts', 'serve', '--demo'],
    {
      cwd: ROOT,
      env: { ...process.env, ...EMBEDDED, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' },
    },
  )
  let output = ''
  child.stdout?.on('data', (chunk) => (output += chunk))
  child.stderr?.on('data', (chunk) => (output += chunk))
  await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`server exited early:\n${output}`)
      return output.includes('Admin API:')
    },
    { timeoutMs: 60_000, intervalMs: 100, message: 'demo server start' },
  )
  const url = JSON.parse(await readFile(serverInfoPath(dataDir), 'utf8')).url as string
  return { child, url, output: () => output }
}

/** The walkthrough's shell lines: from `API=` up to the notes after it. */
function walkthroughScript(text: string): string {
  const lines = text.split('\n')
  const start = lines.findIndex((line) => line.startsWith('API='))
  const end = lines.findIndex((line, index) => index > start && line.startsWith('The other demo intents'))
  expect(start).toBeGreaterThanOrEqual(0)
  expect(end).toBeGreaterThan(start)
  return lines.slice(start, end).join('\n')
}

function runBash(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { cwd: ROOT })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('demo: comerix serve --demo and demo:seed', () => {
  let dataDir: string
  let server: Awaited<ReturnType<typeof startDemoServer>>
  let info: DemoInfo
  const env = () => ({ DATA_DIR: dataDir, LOG_LEVEL: 'warn' })

  beforeAll(async () => {
    dataDir = await tempDir('comerix-demo-')
    server = await startDemoServer(dataDir)
  })
  afterAll(async () => {
    if (server?.child.exitCode === null) {
      const exited = new Promise((resolve) => server.child.on('exit', resolve))
      server.child.kill('SIGTERM')
      await exited
    }
  })

  const origin = () => info.allowedOrigins[0] as string
  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${info.baseUrl}${path}`, {
      method,
      headers: {
        origin: origin(),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    return { status: response.status, body: text ? JSON.parse(text) : undefined }
  }
  const openSession = async () => {
    const response = await api('POST', `/v1/chat/sessions?publicKey=${info.publicKey}`, {})
    expect(response.status).toBe(201)
    return { authorization: `Bearer ${response.body.sessionToken}` }
  }
  const chat = async (auth: Record<string, string>, body: unknown): Promise<Reply> => {
    const response = await api('POST', `/v1/chat/messages?publicKey=${info.publicKey}`, body, auth)
    expect(response.status, JSON.stringify(response.body)).toBe(200)
    return response.body
  }
  const settle = async (auth: Record<string, string>, reply: Reply): Promise<Reply> => {
    let current = reply
    await waitFor(
      async () => {
        if (current.status !== 'waiting_time') return true
        const polled = await api(
          'GET',
          `/v1/chat/executions/${reply.executionId}?publicKey=${info.publicKey}`,
          undefined,
          auth,
        )
        current = polled.body
        return current.status !== 'waiting_time'
      },
      { timeoutMs: 20_000, intervalMs: 200, message: 'async step' },
    )
    return current
  }
  const submit = async (auth: Record<string, string>, reply: Reply, values: Record<string, unknown>) =>
    settle(auth, await chat(auth, { executionId: reply.executionId, waitToken: reply.waitToken, values }))

  it('demo:seed --json against the running server reuses the demo tenant and its one admin key', async () => {
    const first = await runCli(['demo:seed', '--json'], env())
    expect(first.code, first.stderr).toBe(0)
    info = JSON.parse(first.stdout)
    expect(info).toMatchObject({
      tenant: 'demo',
      adminKey: expect.stringMatching(/^sk_/),
      publicKey: expect.stringMatching(/^pk_/),
      allowedOrigins: expect.arrayContaining(['http://localhost:3000', 'http://127.0.0.1:3000']),
      intents: ['order_status', 'product_finder', 'returns_request', 'faq'],
      baseUrl: server.url,
      shopApiServed: true,
      tenantCreated: false, // serve --demo seeded it already
    })
    expect(server.output()).toContain(info.publicKey)
    // The key serve --demo printed is the one demo:seed prints: seeding does not pile up admin keys.
    expect(server.output()).toContain(info.adminKey)

    const second = await runCli(['demo:seed', '--json'], env())
    expect(second.code, second.stderr).toBe(0)
    const again: DemoInfo = JSON.parse(second.stdout)
    expect(again).toEqual(info)

    // Re-seeding published nothing new.
    const flows = await api('GET', '/v1/admin/flows', undefined, { authorization: `Bearer ${info.adminKey}` })
    expect(flows.status).toBe(200)
    const list = flows.body.flows as Array<{ intent: string; publishedVersion: number }>
    expect(list.map((flow) => [flow.intent, flow.publishedVersion]).sort()).toEqual([
      ['faq', 1],
      ['order_status', 1],
      ['product_finder', 1],
      ['returns_request', 1],
    ])
    const tenants = await runCli(['tenant:list', '--json'], env())
    expect(JSON.parse(tenants.stdout).filter((t: { slug: string }) => t.slug === 'demo')).toHaveLength(1)
  })

  it('a revoked demo admin key is replaced on the next seed, and only the new one works', async () => {
    const admin = (key: string) => ({ authorization: `Bearer ${key}` })
    const validKeys = async (key: string) => {
      const listed = await api('GET', '/v1/admin/secret-keys', undefined, admin(key))
      expect(listed.status).toBe(200)
      return (listed.body.secretKeys as Array<{ keyId: string; name: string; revoked: boolean }>).filter(
        (secretKey) => !secretKey.revoked,
      )
    }
    // The tenant's creation key was never shown; the demo's key is the only valid one.
    const before = await validKeys(info.adminKey)
    expect(before.map((key) => key.name)).toEqual(['demo admin'])

    // An admin made a key of their own, then revoked the demo key (e.g. it leaked into a log).
    const own = await api(
      'POST',
      '/v1/admin/secret-keys',
      { name: 'mine', scopes: ['admin'] },
      admin(info.adminKey),
    )
    expect(own.status).toBe(201)
    const ownKey = own.body.key as string
    const revoked = await api('DELETE', `/v1/admin/secret-keys/${before[0]?.keyId}`, undefined, admin(ownKey))
    expect(revoked.status).toBeLessThan(300)

    const reseeded = await runCli(['demo:seed', '--json'], env())
    expect(reseeded.code, reseeded.stderr).toBe(0)
    const fresh: DemoInfo = JSON.parse(reseeded.stdout)
    expect(fresh.adminKey).not.toBe(info.adminKey)
    expect((await api('GET', '/v1/admin/flows', undefined, admin(info.adminKey))).status).toBe(401)
    expect((await validKeys(fresh.adminKey)).map((key) => key.name).sort()).toEqual(['demo admin', 'mine'])
    info = fresh
  })

  it('order status: form, connection to the mock shop, product card, rating buttons, completed', async () => {
    const auth = await openSession()
    const started = await chat(auth, { intentName: 'order_status' })
    expect(started.status).toBe('waiting_input')
    expect(started.blocks.at(-1)).toMatchObject({ type: 'form' })

    const found = await submit(auth, started, { order_number: ' a-1001 ' })
    expect(found.status).toBe('waiting_input')
    expect(found.blocks.map((block) => block.type)).toEqual([
      'text',
      'product_card',
      'link_button',
      'text',
      'buttons',
    ])
    expect(found.blocks[1]).toMatchObject({
      product: { title: 'Trail Runner GTX', price: '129.90 EUR', imageUrl: expect.stringMatching(/\.svg$/) },
    })
    const image = await fetch(found.blocks[1]?.product.imageUrl)
    expect(image.headers.get('content-type')).toMatch(/image\/svg\+xml/)

    const done = await submit(auth, found, { rating: 'helpful' })
    expect(done.status).toBe('completed')
  })

  it('order status: an unknown order asks again through the onError branch', async () => {
    const auth = await openSession()
    const started = await chat(auth, { intentName: 'order_status' })
    const retry = await submit(auth, started, { order_number: 'Z-9999' })
    expect(retry.status).toBe('waiting_input')
    expect(retry.blocks[0]).toMatchObject({
      markdown: expect.stringContaining('could not find order Z-9999'),
    })
  })

  it('product finder: budget, category and features give a carousel and a link button', async () => {
    const auth = await openSession()
    const started = await chat(auth, { intentName: 'product_finder' })
    const form = started.blocks.find((block) => block.type === 'form') as unknown as {
      fields: Array<{ type: string }>
    }
    expect(form.fields.map((field) => field.type)).toEqual(['number', 'select', 'multi_select'])

    const shown = await submit(auth, started, { budget: 200, category: 'shoes', features: ['waterproof'] })
    expect(shown.status).toBe('completed')
    const carousel = shown.blocks.find((block) => block.type === 'carousel') as unknown as {
      products: Array<{ title: string; price: string }>
    }
    expect(carousel.products).toEqual([
      expect.objectContaining({ title: 'Hiker Mid WP', price: '159.00 EUR' }),
      expect.objectContaining({ title: 'Trail Runner GTX', price: '129.90 EUR' }),
    ])
    expect(shown.blocks.find((block) => block.type === 'link_button')).toMatchObject({
      url: expect.stringContaining('/demo/shop/categories/shoes'),
    })

    const wide = await submit(auth, await chat(auth, { intentName: 'product_finder' }), {
      budget: 500,
      category: 'shoes',
    })
    expect(
      (wide.blocks.find((block) => block.type === 'carousel') as unknown as { products: unknown[] }).products,
    ).toHaveLength(3)
  })

  it('returns request: a form with a file field creates a return and shows its id', async () => {
    const auth = await openSession()
    const started = await chat(auth, { intentName: 'returns_request' })
    const form = started.blocks.find((block) => block.type === 'form') as unknown as {
      fields: Array<{ name: string; type: string }>
    }
    expect(form.fields.find((field) => field.name === 'photo')).toMatchObject({ type: 'file' })

    // The photo goes to the chat upload endpoint first; the form carries its uploadId.
    const body = new FormData()
    body.append('file', new Blob([pngFile(2, 300)], { type: 'image/png' }), 'IMG_0042.png')
    const uploaded = await fetch(
      `${info.baseUrl}/v1/chat/uploads?publicKey=${info.publicKey}&executionId=${started.executionId}&field=photo`,
      { method: 'POST', headers: { origin: origin(), ...auth }, body },
    )
    expect(uploaded.status).toBe(201)
    const { uploadId } = (await uploaded.json()) as { uploadId: string }

    const done = await submit(auth, started, {
      order_number: 'A-1003',
      reason: 'too_small',
      photo: uploadId,
      email: 'visitor@example.com',
    })
    expect(done.status).toBe('completed')
    const text = done.blocks.find((block) => block.type === 'text') as unknown as { markdown: string }
    const returnId = /\*\*(R-\d+)\*\*/.exec(text.markdown)?.[1]
    expect(returnId).toBeDefined()
    expect(done.blocks.find((block) => block.type === 'link_button')).toMatchObject({
      url: expect.stringContaining(`/demo/shop/returns/${returnId}/label`),
    })
  })

  it('faq: the llm node answers from the shop FAQ through the local provider, with tokenUsage', async () => {
    const auth = await openSession()
    const answered = await settle(
      auth,
      await chat(auth, { intentName: 'faq', text: 'How long does shipping take?' }),
    )
    expect(answered.status).toBe('waiting_input')
    expect(answered.blocks.map((block) => block.id)).toEqual([
      'faq_answer.answer',
      'more.prompt',
      'more.input',
    ])
    expect(answered.blocks[0]?.markdown).toContain('Delivery takes 2-4 days in Germany')
    expect(answered.tokenUsage).toMatchObject({
      model: 'comerix-local-faq',
      prompt_tokens: expect.any(Number),
      cost_micros: 0,
      cost_usd: 0,
    })
    const usage = answered.tokenUsage as NonNullable<Reply['tokenUsage']>
    expect(usage.prompt_tokens).toBeGreaterThan(0)
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens)

    // Another question: asked in a form this time, answered in a new turn with its own usage.
    const form = await submit(auth, answered, { more: 'yes' })
    expect(form.tokenUsage).toBeUndefined()
    const second = await submit(auth, form, { question: 'Which payment methods do you accept?' })
    expect(second.blocks[0]?.markdown).toContain('PayPal')
    expect(second.tokenUsage?.model).toBe('comerix-local-faq')
    const done = await submit(auth, second, { more: 'no' })
    expect(done).toMatchObject({ status: 'completed', blocks: [{ markdown: 'Happy to help!' }] })
  })

  it('the printed walkthroughs (serve --demo and demo:seed) work when pasted into bash', async () => {
    const human = await runCli(['demo:seed'], env())
    expect(human.code, human.stderr).toBe(0)
    expect(human.stdout).toContain(info.publicKey)
    expect(human.stdout).toMatch(/Admin secret key: {2}sk_/)
    for (const text of [server.output(), human.stdout]) {
      const result = await runBash(`set -eu\n${walkthroughScript(text)}`)
      expect(result.code, result.stderr).toBe(0)
      const replies = result.stdout.trim().split('\n')
      expect(JSON.parse(replies[0] as string).intents).toContain('order_status')
      expect(replies.some((line) => line.includes('"product_card"'))).toBe(true)
      expect(JSON.parse(replies.at(-1) as string)).toMatchObject({ status: 'completed' })
    }
  })
})
