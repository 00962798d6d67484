import { type Logger, pino } from 'pino'
import type { Config } from '../config/config.ts'

export type { Logger }

/** Structured JSON logs; the CLI passes fd 2 so its stdout stays clean for results. */
export function createLogger(config: Pick<Config, 'logLevel'>, destinationFd = 1): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: 'comerix' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.destination(destinationFd),
  )
}
