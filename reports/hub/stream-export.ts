import { Transform, type Writable } from 'node:stream'
import type { FastifyReply } from 'fastify'
import type { ExportStarted } from './export-saved-report.ts'

/**
 * Answers with a report file as it is written. The response starts only once the exporter has written
 * its first byte: an error raised before (an unknown or deleted report, a bad spec, a query that fails
 * before its first row) is thrown to the route and becomes a catalog error; one raised after destroys
 * the body and Fastify cuts the response short.
 */
export async function sendExport(
  reply: FastifyReply,
  write: (output: Writable, onStart: (started: ExportStarted) => void) => Promise<unknown>,
): Promise<FastifyReply> {
  let firstByte = () => {}
  const written = new Promise<void>((resolve) => {
    firstByte = resolve
  })
  const body = new Transform({
    transform(chunk, _encoding, done) {
      firstByte()
      done(null, chunk)
    },
  })
  // An 'error' event nobody listens to ends the process. Fastify listens once it sends the body; this
  // covers the time before (onSend hooks run in between).
  body.on('error', () => undefined)
  let started: ExportStarted | undefined
  let sending = false
  let failure: { error: unknown } | undefined
  const finished = write(body, (details) => {
    started = details
  })
  finished.catch((error: unknown) => {
    if (sending) body.destroy(error instanceof Error ? error : new Error(String(error)))
    else failure = { error }
  })
  try {
    await Promise.race([written, finished])
    if (failure) throw failure.error
    if (started === undefined) throw new Error('the export wrote its file before it started')
  } catch (error) {
    body.destroy()
    throw error
  }
  sending = true
  return reply
    .type(started.contentType)
    .header('content-disposition', `attachment; filename="${started.filename}"`)
    .header('x-comerix-rows', started.rowsKnown === undefined ? 'unknown' : String(started.rowsKnown))
    .send(body)
}
