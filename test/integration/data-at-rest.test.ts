import { readdir, readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type App, createApp } from '../../bin/create-app.ts'
import { LocalStateStore } from '../../platform/state/local-state-store.ts'
import { jsonApi } from '../support/json-api.ts'
import { tempDir } from '../support/temp-dir.ts'
import { testConfig } from '../support/test-config.ts'

const ORIGIN = 'https://shop.example'
const EMAIL = 'jane.visitor+at-rest@example.com'

const FORM_FLOW = {
  intent: 'contact',
  name: 'contact',
  start: 'email',
  variables: { email: null, topic: null },
  nodes: [
    {
      id: 'email',
      type: 'ask',
      prompt: 'Your e-mail?',
      input: { kind: 'form', fields: [{ name: 'email', label: 'E-mail', type: 'email', required: true }] },
      next: 'topic',
    },
    {
      id: 'topic',
      type: 'ask',
      prompt: 'We will write to {{email}}. About what?',
      input: { kind: 'form', fields: [{ name: 'topic', label: 'Topic', type: 'text', required: true }] },
      next: 'bye',
    },
    { id: 'bye', type: 'end', message: 'Thanks' },
  ],
}

/** Every entry below `dir` with its permission bits, directories included. */
async function modes(dir: string): Promise<Array<{ path: string; mode: number; directory: boolean }>> {
  const found = []
  for (const name of await readdir(dir, { recursive: true })) {
    const file = path.join(dir, name)
    const info = await stat(file)
    found.push({ path: file, mode: info.mode & 0o777, directory: info.isDirectory() })
  }
  return found
}

async function filesContaining(dir: string, text: string): Promise<string[]> {
  const hits = []
  for (const entry of await modes(dir)) {
    if (!entry.directory && (await readFile(entry.path)).includes(text)) hits.push(entry.path)
  }
  return hits
}

// The most permissive umask there is: whatever is private below was made so by the code, not the umask.
describe('data at rest in the embedded data directory, created under umask 000', () => {
  let app: App
  let dataDir: string
  let base: string
  let previousUmask: number
  const api = jsonApi(() => base, ORIGIN)

  beforeAll(async () => {
    previousUmask = process.umask(0)
    dataDir = path.join(await tempDir(), 'data')
    app = await createApp(testConfig(dataDir))
    base = await app.listen()
  })
  afterAll(async () => {
    await app?.close()
    process.umask(previousUmask)
  })

  it('keeps a visitor e-mail typed into a form and a trigger context out of the state files, in plaintext', async () => {
    const { tenant, adminKey } = await app.operator.createTenant({ slug: 'at-rest' })
    const admin = { authorization: `Bearer ${adminKey.key}` }
    const { publicKey } = await app.tenancy.createWidgetKey(tenant.id, {
      allowedOrigins: [ORIGIN],
      allIntents: true,
    })
    const created = await api('POST', '/v1/admin/flows', FORM_FLOW, admin)
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    expect(
      (await api('POST', `/v1/admin/flows/${created.body.flowId}/publish`, undefined, admin)).status,
    ).toBe(200)
    const session = await api('POST', `/v1/chat/sessions?publicKey=${publicKey}`, { anonymousId: 'anon-1' })
    const auth = { authorization: `Bearer ${session.body.sessionToken}` }
    const chat = (body: unknown) => api('POST', `/v1/chat/messages?publicKey=${publicKey}`, body, auth)

    const started = await chat({ intentName: 'contact', text: `mail me at ${EMAIL}`, context: { EMAIL } })
    expect(started.body.status).toBe('waiting_input')
    const asked = await chat({
      executionId: started.body.executionId,
      waitToken: started.body.waitToken,
      values: { email: EMAIL },
    })
    // The execution now waits with the e-mail in its variables and in the prompt it rendered.
    expect(asked.body.status).toBe('waiting_input')
    expect(JSON.stringify(asked.body.blocks)).toContain(EMAIL)

    const state = app.state
    expect(state).toBeInstanceOf(LocalStateStore)
    await (state as LocalStateStore).compact() // the snapshot as well as the journal
    const stateDir = path.join(dataDir, 'state')
    expect((await readdir(stateDir)).sort()).toEqual(expect.arrayContaining(['snapshot']))
    expect(await filesContaining(stateDir, EMAIL)).toEqual([])
    expect(await filesContaining(path.join(dataDir, 'event-log'), EMAIL)).toEqual([])

    // Still readable by the server: the next answer completes the flow.
    const done = await chat({
      executionId: asked.body.executionId,
      waitToken: asked.body.waitToken,
      values: { topic: 'returns' },
    })
    expect(done.body.status).toBe('completed')
  })

  it('makes the data directory, state, event log and key files private (0700 directories, 0600 files)', async () => {
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700)
    for (const name of ['operator.token', 'secret.key'])
      expect((await stat(path.join(dataDir, name))).mode & 0o777, name).toBe(0o600)
    const entries = [
      ...(await modes(path.join(dataDir, 'state'))),
      ...(await modes(path.join(dataDir, 'event-log'))),
    ]
    expect(entries.filter((entry) => entry.directory).length).toBeGreaterThan(0)
    expect(entries.filter((entry) => !entry.directory).length).toBeGreaterThan(2)
    const loose = entries.filter((entry) => entry.mode !== (entry.directory ? 0o700 : 0o600))
    expect(loose.map((entry) => `${entry.path} ${entry.mode.toString(8)}`)).toEqual([])
    expect((await stat(path.join(dataDir, 'state'))).mode & 0o777).toBe(0o700)
    expect((await stat(path.join(dataDir, 'event-log'))).mode & 0o777).toBe(0o700)
  })
})
