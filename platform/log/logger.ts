import { type Logger, pino } from 'pino'
import type { Config } from '../config/config.ts'

export type { Logger }

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'comerix' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: ['req.headers.authorization', 'req.headers["x-comerix-admin-token"]'],
  })
}
