import type { Logger } from '../platform/log/logger.ts'

/** Why the server is stopping: a signal's name, or `parent exited`. */
export type StopReason = NodeJS.Signals | 'parent exited'

export interface StopRequests {
  /** The first stop asked for, undefined while none was. */
  readonly reason: StopReason | undefined
  /** Resolves with the first stop asked for. */
  readonly requested: Promise<StopReason>
}

export interface StopWatchOptions {
  /**
   * Also stop when the process that started this one goes away (this process is re-parented).
   * For wrappers that do not pass signals on: a shell killed by SIGTERM leaves its child running.
   */
  exitWithParent: boolean
  pollMs?: number
}

// Not SIGHUP: a handler would override `nohup`, which starts the process with SIGHUP ignored.
const SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT']

/**
 * Turns SIGTERM, SIGINT (and optionally the parent's death) into one stop request. Installed
 * before the app starts, so a signal that arrives during start-up also shuts down gracefully once
 * the stores are open instead of killing the process half-way. Repeated signals are not escalated:
 * Ctrl-C under `npm start` delivers SIGINT twice (the terminal's and npm's forwarded copy).
 */
export function watchStopRequests(options: StopWatchOptions): StopRequests {
  let reason: StopReason | undefined
  let resolve: (value: StopReason) => void = () => {}
  const requested = new Promise<StopReason>((done) => {
    resolve = done
  })
  const request = (why: StopReason) => {
    if (reason !== undefined) return
    reason = why
    resolve(why)
  }
  for (const signal of SIGNALS) process.on(signal, () => request(signal))
  if (options.exitWithParent) {
    const parent = process.ppid
    // `process.ppid` is read from the OS on each access; a change means the parent died.
    const timer = setInterval(() => {
      if (process.ppid !== parent) {
        clearInterval(timer)
        request('parent exited')
      }
    }, options.pollMs ?? 1000)
    timer.unref()
  }
  return {
    get reason() {
      return reason
    },
    requested,
  }
}

/** How long a graceful stop may take before the process exits anyway (process managers escalate to SIGKILL). */
export const STOP_GRACE_MS = 30_000

interface Stoppable {
  logger: Logger
  close(): Promise<void>
}

/**
 * Drains and closes the app (HTTP, sink commit, state flush, stores), then ends the process. Takes the
 * app while it may still be starting: the grace period runs from the request, so a start-up that
 * hangs (a store that never answers) cannot make the process ignore SIGTERM.
 */
export async function stopAndExit(starting: Promise<Stoppable>, reason: StopReason): Promise<void> {
  const deadline = setTimeout(() => {
    process.stderr.write(`comerix: stopping (${reason}) took over ${STOP_GRACE_MS} ms; exiting\n`)
    process.exit(1)
  }, STOP_GRACE_MS)
  deadline.unref()
  let app: Stoppable
  try {
    app = await starting
  } catch {
    return // start-up failed: the CLI reports why and exits
  }
  app.logger.info({ reason }, 'shutting down')
  try {
    await app.close()
    app.logger.info({ reason }, 'stopped')
    process.exit(0)
  } catch (error) {
    app.logger.error({ reason, err: error }, 'shutdown failed')
    process.exit(1)
  }
}
