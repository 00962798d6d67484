import { PassThrough } from 'node:stream'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { toAppError } from '../../platform/http/error-handler.ts'
import { requireOperatorToken } from '../../platform/tenancy/auth.ts'
import type { DemoGenerator, GenerationProgress } from './demo-generator.ts'
import { generationInput } from './generation-options.ts'
import type { GenerationSummary } from './generation-summary.ts'

/** At most this often a progress line: a terminal needs no more, and a 10M-event run stays a small stream. */
const PROGRESS_EVERY_MS = 250

/** One line of the `POST /v1/operator/demo/generate` answer (NDJSON). */
export type GenerationLine =
  | { progress: GenerationProgress }
  | { summary: GenerationSummary }
  | { error: { code: string; message: string } }

/**
 * Mounted under /v1/operator: `comerix demo:generate` against a running embedded server lands here,
 * since chdb admits one process per data directory. The answer streams NDJSON: progress lines, then
 * the summary (or an error) once the sink stored every generated event.
 */
export function demoGenerateRoutes(generator: DemoGenerator, token: string): FastifyPluginAsyncZod {
  return async (routes) => {
    routes.addHook('onRequest', requireOperatorToken(token))
    routes.post(
      '/demo/generate',
      {
        schema: {
          tags: ['operator'],
          summary:
            'Generate a synthetic history through the event log; streams NDJSON progress, then a summary',
          security: [{ operatorToken: [] }],
          body: generationInput,
        },
      },
      async (request, reply) => {
        // Validation and the tenant are settled before streaming, so their errors get a proper status.
        const prepared = await generator.prepare(request.body)
        const stream = new PassThrough()
        const write = (line: GenerationLine) => stream.write(`${JSON.stringify(line)}\n`)
        let lastWrite = 0
        generator
          .run(prepared, (progress) => {
            const now = performance.now()
            if (now - lastWrite < PROGRESS_EVERY_MS && progress.done < progress.total) return
            lastWrite = now
            write({ progress })
          })
          .then((summary) => write({ summary }))
          .catch((error: unknown) => {
            request.log.error({ err: error }, 'demo generation failed')
            const { code, message } = toAppError(error)
            write({ error: { code, message } })
          })
          .finally(() => stream.end())
        return reply.type('application/x-ndjson').send(stream)
      },
    )
  }
}
