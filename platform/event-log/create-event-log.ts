import path from 'node:path'
import type { Config } from '../config/config.ts'
import type { Logger } from '../log/logger.ts'
import type { EventLog } from './event-log.ts'
import { openKafkaEventLog } from './kafka-event-log.ts'
import { openLocalEventLog } from './local-event-log.ts'

/** Kafka when brokers are configured, otherwise the durable local log in the data dir. */
export async function createEventLog(
  config: Pick<Config, 'dataDir' | 'kafka'>,
  logger: Logger,
): Promise<EventLog> {
  const { brokers, topicPrefix } = config.kafka
  if (brokers !== undefined && brokers.length > 0) {
    logger.info({ brokers, topicPrefix }, 'event log: Kafka')
    return openKafkaEventLog({ brokers, topicPrefix, logger })
  }
  logger.info({ directory: path.join(config.dataDir, 'event-log') }, 'event log: local segment files')
  return openLocalEventLog({ dataDir: config.dataDir, logger })
}
