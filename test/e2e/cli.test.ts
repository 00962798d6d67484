import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { serverInfoPath } from '../../platform/create-platform.ts'
import { type RunningServer, runCli, startServer } from '../support/cli.ts'
import { tempDir } from '../support/temp-dir.ts'

const servers: RunningServer[] = []
afterAll(async () => {
  for (const server of servers) if (server.process.exitCode === null) await server.stop('SIGKILL')
})

// Each test spawns several CLI processes, each loading the app and opening the stores: allow for a busy machine.
describe('comerix CLI', { timeout: 120_000 }, () => {
  it('manages tenants and widget keys with no server running, opening the store itself', async () => {
    const env = { DATA_DIR: await tempDir(), LOG_LEVEL: 'warn' }
    const tenant = await runCli(['tenant:create', 'acme', '--name', 'Acme Shop', '--json'], env)
    expect(tenant.code, tenant.stderr).toBe(0)
    const created = JSON.parse(tenant.stdout)
    expect(created.tenant).toMatchObject({ slug: 'acme', name: 'Acme Shop' })
    expect(created.adminKey.key).toMatch(/^sk_/)

    const key = await runCli(
      [
        'widget-key:create',
        '--tenant',
        'acme',
        '--intent=order_status',
        '--intent=faq',
        '--allowed-origin=https://shop.example',
        '--json',
      ],
      env,
    )
    expect(key.code, key.stderr).toBe(0)
    expect(JSON.parse(key.stdout)).toMatchObject({
      tenantId: created.tenant.id,
      intents: ['order_status', 'faq'],
      allowedOrigins: ['https://shop.example'],
    })

    const human = await runCli(
      ['widget-key:create', '--tenant', 'acme', '--all-intents', '--allowed-origin=https://*.shop.com'],
      env,
    )
    expect(human.stdout).toMatch(/Widget key: pk_/)
    expect(human.stdout).toMatch(/Intents: all published intents/)
  })

  it('goes through the running server when one holds the data directory', async () => {
    const dataDir = await tempDir()
    const env = { DATA_DIR: dataDir, LOG_LEVEL: 'warn' }
    const server = await startServer({ DATA_DIR: dataDir })
    servers.push(server)
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200)

    const tenant = await runCli(['tenant:create', 'live-shop', '--json'], env)
    expect(tenant.code, tenant.stderr).toBe(0)
    const { adminKey } = JSON.parse(tenant.stdout)
    const key = await runCli(
      [
        'widget-key:create',
        '--tenant',
        'live-shop',
        '--all-intents',
        '--allowed-origin=http://localhost:8080',
        '--json',
      ],
      env,
    )
    expect(key.code, key.stderr).toBe(0)
    const { publicKey } = JSON.parse(key.stdout)

    // The server sees what the CLI made: it was made inside the server.
    const listed = await fetch(`${server.url}/v1/admin/widget-keys`, {
      headers: { authorization: `Bearer ${adminKey.key}` },
    })
    expect(
      ((await listed.json()) as { widgetKeys: Array<{ publicKey: string }> }).widgetKeys.map(
        (k: { publicKey: string }) => k.publicKey,
      ),
    ).toEqual([publicKey])

    const flowFile = path.join(dataDir, 'faq.json')
    await writeFile(
      flowFile,
      JSON.stringify({
        intent: 'faq',
        name: 'FAQ',
        start: 'a',
        nodes: [{ id: 'a', type: 'end', message: 'Hi' }],
      }),
    )
    const published = await runCli(['flow:publish', '--tenant', 'live-shop', flowFile, '--json'], env)
    expect(published.code, published.stderr).toBe(0)
    const flows = await fetch(`${server.url}/v1/admin/flows`, {
      headers: { authorization: `Bearer ${adminKey.key}` },
    })
    expect(
      ((await flows.json()) as { flows: Array<{ intent: string; publishedVersion: number }> }).flows,
    ).toEqual([expect.objectContaining({ intent: 'faq', publishedVersion: 1 })])

    expect(await server.stop('SIGTERM')).toBe(0)
    expect(existsSync(serverInfoPath(dataDir))).toBe(false)
    expect(server.output()).toMatch(/"msg":"stopped"/)

    // After the server stops, the CLI opens the same data directly and finds it all.
    const tenants = await runCli(['tenant:list', '--json'], env)
    expect(tenants.code, tenants.stderr).toBe(0)
    expect(JSON.parse(tenants.stdout).map((t: { slug: string }) => t.slug)).toEqual(['live-shop'])
  })

  it('validates, publishes and unpublishes flow files', async () => {
    const dataDir = await tempDir()
    const env = { DATA_DIR: dataDir, LOG_LEVEL: 'warn' }
    const flow = {
      intent: 'faq',
      name: 'FAQ',
      start: 'answer',
      nodes: [{ id: 'answer', type: 'end', message: 'We ship in 2 days.' }],
    }
    const good = path.join(dataDir, 'faq.json')
    const bad = path.join(dataDir, 'bad.json')
    await writeFile(good, JSON.stringify(flow))
    await writeFile(bad, JSON.stringify({ ...flow, nodes: [...flow.nodes, { id: 'lost', type: 'end' }] }))

    const valid = await runCli(['flow:validate', good], env)
    expect(valid.code, valid.stderr).toBe(0)
    expect(valid.stdout).toMatch(/valid flow for intent "faq"/)
    const invalid = await runCli(['flow:validate', bad], env)
    expect(invalid.code).toBe(1)
    expect(invalid.stdout).toMatch(/node lost: /)

    await runCli(['tenant:create', 'flow-shop'], env)
    const first = await runCli(['flow:publish', '--tenant', 'flow-shop', good, '--json'], env)
    expect(first.code, first.stderr).toBe(0)
    expect(JSON.parse(first.stdout)).toMatchObject({ intent: 'faq', version: 1 })
    const second = await runCli(['flow:publish', '--tenant', 'flow-shop', good], env)
    expect(second.stdout).toMatch(/Published intent faq version 2/)
    // Every problem is printed with its node, not only how many there are.
    const unknownConnection = path.join(dataDir, 'unknown-connection.json')
    await writeFile(
      unknownConnection,
      JSON.stringify({
        ...flow,
        start: 'lookup',
        nodes: [
          { id: 'lookup', type: 'connection', connection: 'crm', method: 'GET', path: '/x', next: 'answer' },
          ...flow.nodes,
        ],
      }),
    )
    const refused = await runCli(['flow:publish', '--tenant', 'flow-shop', unknownConnection], env)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/node lookup, nodes\.0\.connection: unknown connection "crm"/)
    const unpublished = await runCli(['flow:unpublish', '--tenant', 'flow-shop', 'faq'], env)
    expect(unpublished.code, unpublished.stderr).toBe(0)
    const again = await runCli(['flow:unpublish', '--tenant', 'flow-shop', 'faq'], env)
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/not published/)
  })

  it('explains validation errors and exits non-zero', async () => {
    const env = { DATA_DIR: await tempDir(), LOG_LEVEL: 'warn' }
    await runCli(['tenant:create', 'acme'], env)
    const result = await runCli(
      ['widget-key:create', '--tenant', 'acme', '--allowed-origin=shop.example'],
      env,
    )
    expect(result.code).toBe(1)
    // The CLI's flag, not the API body path.
    expect(result.stderr).toMatch(/--allowed-origin: "shop.example" is not an origin/)
    const neither = await runCli(
      ['widget-key:create', '--tenant', 'acme', '--allowed-origin=https://shop.example'],
      env,
    )
    expect(neither.code).toBe(1)
    expect(neither.stderr).toMatch(/either a list of intents or allIntents/)
  })

  it('stops at start-up on a bad setting, naming the variable', async () => {
    const result = await runCli(['serve'], { DATA_DIR: await tempDir(), PORT: 'eighty' })
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/PORT="eighty"/)
  })
})
