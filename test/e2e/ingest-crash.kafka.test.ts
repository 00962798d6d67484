import { serviceUrl, skipNotice } from '../support/services.ts'
import { ingestCrashCases } from './ingest-crash-cases.ts'

const brokers = serviceUrl('kafka')

ingestCrashCases(
  brokers ? 'Kafka' : `Kafka (${skipNotice('kafka')})`,
  brokers
    ? {
        KAFKA_BROKERS: brokers,
        // A fresh topic and consumer group per run: nothing left over from earlier runs is counted.
        KAFKA_TOPIC_PREFIX: `test-crash-${process.pid}-${Date.now()}.`,
        COMERIX_SECRET: 'test-secret-test-secret-test-secret-0',
      }
    : undefined,
)
