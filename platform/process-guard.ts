import { Counter, type Registry } from 'prom-client'
import { currentRequestId } from './http/request-context.ts'
import type { Logger } from './log/logger.ts'

/**
 * Keeps a serving process up through an error nobody handled (a rejected promise nobody awaited, a
 * throw in a callback): one request's fault must not take every tenant's traffic down. Each one is
 * logged at error level with the id of the request whose work raised it and counted in
 * `comerix_unhandled_errors_total`, which should stay 0: every increase is a bug to fix.
 *
 * Installed only by the long-running server (`comerix serve`), never by createApp: tests and CLI
 * commands keep Node's default, so an unhandled error still fails them.
 */
export function installProcessGuard(logger: Logger, registry: Registry): void {
  const counter = new Counter({
    name: 'comerix_unhandled_errors_total',
    help: 'Errors no code handled (unhandled rejections, uncaught exceptions); each one is a bug',
    labelNames: ['kind'] as const,
    registers: [registry],
  })
  const report = (kind: 'rejection' | 'exception', error: unknown) => {
    counter.inc({ kind })
    logger.error({ err: error, kind, requestId: currentRequestId() }, `unhandled ${kind}; still serving`)
  }
  process.on('unhandledRejection', (reason) => report('rejection', reason))
  process.on('uncaughtException', (error) => report('exception', error))
}
