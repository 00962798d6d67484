import { z } from 'zod'
import type { ComerixServer } from './create-server.ts'

export type ReadinessCheck = () => Promise<void>

const CHECK_TIMEOUT_MS = 2_000

const readinessBody = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), error: z.string().optional() })),
})

export function registerHealthRoutes(server: ComerixServer, checks: Record<string, ReadinessCheck>): void {
  server.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness: the process is up',
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  )

  server.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: ClickHouse, the event log and the state store answer',
        response: { 200: readinessBody, 503: readinessBody },
      },
    },
    async (_request, reply) => {
      const results = await Promise.all(
        Object.entries(checks).map(async ([name, check]) => [name, await runCheck(check)] as const),
      )
      const ready = results.every(([, result]) => result.ok)
      return reply
        .status(ready ? 200 : 503)
        .send({ status: ready ? 'ready' : 'not_ready', checks: Object.fromEntries(results) })
    },
  )
}

async function runCheck(check: ReadinessCheck): Promise<{ ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS)
  })
  try {
    await Promise.race([check(), timeout])
    return { ok: true }
  } catch (error) {
    return { ok: false, error: (error as Error).message }
  } finally {
    clearTimeout(timer)
  }
}
