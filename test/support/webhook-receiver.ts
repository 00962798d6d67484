import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Webhook } from 'standardwebhooks'

/** One POST the receiver got, verified with the reference Standard Webhooks library when a secret is set. */
export interface ReceivedWebhook {
  path: string
  headers: IncomingHttpHeaders
  body: string
  /** The parsed body when some secret of the path verified it, else undefined. */
  verified: Record<string, unknown> | undefined
  /** Which of the path's secrets verified it (indexes into the secrets given). */
  verifiedBy: number[]
  receivedAt: number
  status: number
}

export interface Answer {
  status: number
  headers?: Record<string, string>
  body?: string
}

export interface WebhookReceiver {
  url(path: string): string
  received: ReceivedWebhook[]
  /** Secrets to verify a path's requests with (`Webhook.verify` of the `standardwebhooks` npm package). */
  trust(path: string, secrets: string[]): void
  /** How a path answers; by default 204. `answer` may look at how many requests the path had before. */
  answer(path: string, answer: (count: number) => Answer): void
  /** Verified events received on `path`. */
  events(
    path: string,
  ): Array<Record<string, unknown> & { id: string; type: string; data: Record<string, unknown> }>
  close(): Promise<void>
}

/** A loopback endpoint for webhook tests: a real HTTP server, answers set per path, every request kept. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = []
  const secrets = new Map<string, string[]>()
  const answers = new Map<string, (count: number) => Answer>()
  const counts = new Map<string, number>()
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const path = (request.url ?? '/').split('?')[0] ?? '/'
      const body = Buffer.concat(chunks).toString('utf8')
      const verifiedBy: number[] = []
      let verified: Record<string, unknown> | undefined
      for (const [index, secret] of (secrets.get(path) ?? []).entries()) {
        try {
          verified = new Webhook(secret).verify(body, request.headers as Record<string, string>) as Record<
            string,
            unknown
          >
          verifiedBy.push(index)
        } catch {
          // Not signed with this secret.
        }
      }
      const count = counts.get(path) ?? 0
      counts.set(path, count + 1)
      const answer = answers.get(path)?.(count) ?? { status: 204 }
      received.push({
        path,
        headers: request.headers,
        body,
        verified,
        verifiedBy,
        receivedAt: Date.now(),
        status: answer.status,
      })
      response.writeHead(answer.status, answer.headers).end(answer.body ?? '')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as AddressInfo
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    received,
    trust: (path, pathSecrets) => secrets.set(path, pathSecrets),
    answer: (path, answer) => answers.set(path, answer),
    events: (path) =>
      received
        .filter((entry) => entry.path === path && entry.verified !== undefined && entry.status < 300)
        .map((entry) => entry.verified as ReturnType<WebhookReceiver['events']>[number]),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
