import { PassThrough } from 'node:stream'
import type { FastifyReply } from 'fastify'
import type { ExportStarted } from './export-saved-report.ts'

/**
 * Answers with a report file as it is written. An error raised before the export starts (an unknown or
 * deleted report, a bad spec) is thrown to the route and becomes a catalog error; one raised after it
 * destroys the body, and Fastify answers with an error while no byte has gone out, else cuts the
 * response short.
 */
export async function sendExport(
  reply: FastifyReply,
  write: (output: PassThrough, onStart: (started: ExportStarted) => void) => Promise<unknown>,
): Promise<FastifyReply> {
  const body = new PassThrough()
  // An 'error' event nobody listens to ends the process. Fastify listens once it sends the body; this
  // covers the time before (onSend hooks run in between) and keeps a body never sent from emitting one.
  body.on('error', () => undefined)
  let started = false
  const info = await new Promise<ExportStarted>((resolve, reject) => {
    write(body, (details) => {
      started = true
      resolve(details)
    }).then(
      () => {
        if (!started) reject(new Error('the export ended without starting'))
      },
      (error: unknown) => {
        if (!started) {
          body.destroy()
          reject(error)
          return
        }
        body.destroy(error instanceof Error ? error : new Error(String(error)))
      },
    )
  })
  return reply
    .type(info.contentType)
    .header('content-disposition', `attachment; filename="${info.filename}"`)
    .header('x-comerix-rows', info.rowsKnown === undefined ? 'unknown' : String(info.rowsKnown))
    .send(body)
}
