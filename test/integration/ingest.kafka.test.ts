import { serviceUrl, skipNotice } from '../support/services.ts'
import { ingestCases } from './ingest-cases.ts'

const brokers = serviceUrl('kafka')

ingestCases(
  brokers ? 'Kafka' : `Kafka (${skipNotice('kafka')})`,
  brokers
    ? {
        KAFKA_BROKERS: brokers,
        KAFKA_TOPIC_PREFIX: `test-ingest-${process.pid}-${Date.now()}.`,
        COMERIX_SECRET: 'test-secret-test-secret-test-secret-0',
      }
    : undefined,
)
