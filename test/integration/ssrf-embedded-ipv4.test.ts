import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import { callConnection } from '../../engine/connections/call-connection.ts'
import { systemClock } from '../../platform/clock.ts'
import { deliverFile } from '../../reports/delivery/deliver-file.ts'

/**
 * IPv6 spellings of loopback (`[::127.0.0.1]`, NAT64, 6to4) against a real server on 127.0.0.1: the
 * guard must refuse them before any socket opens, for connections and report deliveries alike.
 */
const requests: string[] = []
const server = createServer((request, response) => {
  requests.push(request.url ?? '')
  response.end('{}')
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const { port } = server.address() as AddressInfo
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const TENANT = '00000000-0000-4000-8000-000000000001'
const hosts = ['[::127.0.0.1]', '[::7f00:1]', '[::169.254.169.254]', '[64:ff9b::7f00:1]', '[2002:7f00:1::]']

const deliver = (url: string, resolveHost?: () => Promise<Array<{ address: string; family: number }>>) =>
  deliverFile(
    {
      url,
      secret: 'whsec_dGVzdA==',
      messageId: 'msg_1',
      file: { body: Buffer.from('a,b\n'), contentType: 'text/csv', filename: 'r.csv' },
      headers: {},
    },
    {
      policy: { allowPrivateNetworks: false, ...(resolveHost ? { resolveHost } : {}) },
      clock: systemClock,
      maxAttempts: 3,
      backoffMs: () => 0,
      timeoutMs: 5_000,
    },
  )

describe('IPv6 forms embedding a private IPv4 address', () => {
  it.each(hosts)('a report delivery to http://%s:<port>/ is refused without retrying', async (host) => {
    const result = await deliver(`http://${host}:${port}/hook`)
    expect(result).toMatchObject({ delivered: false, attempts: 1, status: 0 })
    expect(result.error).toMatch(/private, loopback or reserved address; delivery refused/)
    expect(requests).toEqual([])
  })

  it('a delivery to a name that resolves to ::7f00:1 (::127.0.0.1) is refused', async () => {
    const result = await deliver(`http://hooks.shop.invalid:${port}/hook`, async () => [
      { address: '::7f00:1', family: 6 },
    ])
    expect(result).toMatchObject({ delivered: false, attempts: 1 })
    expect(result.error).toMatch(/::7f00:1/)
    expect(requests).toEqual([])
  })

  it.each(hosts)('a connection call to http://%s:<port>/ is blocked', async (host) => {
    const call = callConnection(
      {
        tenantId: TENANT,
        name: 'shop',
        baseUrl: `http://${host}:${port}/api`,
        auth: { kind: 'none' },
        timeoutMs: 5_000,
      },
      { method: 'GET', path: '/orders' },
      { allowPrivateNetworks: false },
    )
    await expect(call).rejects.toMatchObject({ kind: 'blocked', retryable: false })
    expect(requests).toEqual([])
  })

  it('the same server is reachable on its IPv4 address when private networks are allowed', async () => {
    // Proves the refusals above are the guard's, not an unreachable server.
    const result = await callConnection(
      {
        tenantId: TENANT,
        name: 'shop',
        baseUrl: `http://127.0.0.1:${port}/api`,
        auth: { kind: 'none' },
        timeoutMs: 5_000,
      },
      { method: 'GET', path: '/orders' },
      { allowPrivateNetworks: true },
    )
    expect(result.status).toBe(200)
    expect(requests).toEqual(['/api/orders'])
  })
})
