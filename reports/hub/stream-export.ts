import { PassThrough } from 'node:stream'
import type { FastifyReply } from 'fastify'
import type { ExportStarted } from './export-saved-report.ts'

/**
 * Answers with a report file as it is written. Errors found before the first byte (an unknown report,
 * a bad spec) still become error responses; a failure mid-file cuts the response short.
 */
export async function sendExport(
  reply: FastifyReply,
  write: (output: PassThrough, onStart: (started: ExportStarted) => void) => Promise<unknown>,
): Promise<FastifyReply> {
  const body = new PassThrough()
  const started = await new Promise<ExportStarted>((resolve, reject) => {
    write(body, resolve).catch((error: unknown) => {
      reject(error)
      body.destroy(error as Error)
    })
  })
  return reply
    .type(started.contentType)
    .header('content-disposition', `attachment; filename="${started.filename}"`)
    .header('x-comerix-rows', started.rowsKnown === undefined ? 'unknown' : String(started.rowsKnown))
    .send(body)
}
