import { describe } from 'vitest'
import { openKafkaEventLog } from '../../platform/event-log/kafka-event-log.ts'
import { newId } from '../../platform/ids.ts'
import { createLogger } from '../../platform/log/logger.ts'
import { serviceUrl, skipNotice } from '../support/services.ts'
import { eventLogContract, TEST_SECRET } from './event-log.contract.ts'

const brokers = serviceUrl('kafka')
const logger = createLogger({ logLevel: 'error' })

describe.skipIf(!brokers)(`Kafka event log ${brokers ? `(${brokers})` : skipNotice('kafka')}`, () => {
  eventLogContract({
    async newScope() {
      // A fresh prefix per test: new topics and groups, so reruns never see old data.
      const topicPrefix = `comerix-test.${newId().slice(0, 8)}.`
      return {
        open: () =>
          openKafkaEventLog({
            brokers: (brokers ?? '').split(','),
            topicPrefix,
            logger,
            retryBackoff: { initialMs: 20, maxMs: 200 },
          }),
        env: {
          KAFKA_BROKERS: brokers ?? '',
          KAFKA_TOPIC_PREFIX: topicPrefix,
          COMERIX_SECRET: TEST_SECRET,
          LOG_LEVEL: 'warn',
        },
      }
    },
  })
})
