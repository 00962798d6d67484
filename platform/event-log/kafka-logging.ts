import { type logCreator, logLevel } from 'kafkajs'
import type { Logger } from '../log/logger.ts'

const TO_PINO = {
  [logLevel.NOTHING]: 'debug',
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
} as const

/** The kafkajs level that lets through what the pino logger would print. */
export function kafkaLogLevel(logger: Logger): logLevel {
  switch (logger.level) {
    case 'trace':
    case 'debug':
      return logLevel.DEBUG
    case 'info':
      return logLevel.INFO
    case 'warn':
      return logLevel.WARN
    case 'silent':
      return logLevel.NOTHING
    default:
      return logLevel.ERROR
  }
}

/** Routes kafkajs logs into pino, tagged with the kafkajs namespace (Consumer, Producer, Connection…). */
export function pinoLogCreator(logger: Logger): logCreator {
  const kafkaLogger = logger.child({ component: 'kafkajs' })
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, logger: _logger, ...fields } = log
      kafkaLogger[levelOf(namespace, level, message, fields)]({ namespace, ...fields }, message)
    }
}

function levelOf(
  namespace: string,
  level: logLevel,
  message: string,
  fields: Record<string, unknown>,
): (typeof TO_PINO)[logLevel] {
  if (isHarmless(fields)) return 'debug'
  // One failed request (coordinator not ready yet, leader moving): kafkajs retries it, and the
  // caller sees an error (rejected append, consumer crash) only when the retries run out.
  if (namespace === 'Connection' && message.startsWith('Response ') && level === logLevel.ERROR) return 'warn'
  return TO_PINO[level]
}

/**
 * Kafka >= 2.2 answers the first JoinGroup with MEMBER_ID_REQUIRED and a member id to join with;
 * kafkajs rejoins with it at once but logs the first answer as an error.
 */
function isHarmless(fields: Record<string, unknown>): boolean {
  return typeof fields.error === 'string' && fields.error.includes('needs to have a valid member id')
}
