import { serviceUrl, skipNotice } from '../support/services.ts'
import { chatRuntimeCases } from './chat-runtime-cases.ts'

const redisUrl = serviceUrl('redis')

// Its own key prefix: apps sharing a Redis share the `engine` job queue, and another suite's worker
// (another process, another embedded ClickHouse) would claim these jobs without finding their flows.
chatRuntimeCases(
  redisUrl ? 'Redis' : `Redis (${skipNotice('redis')})`,
  redisUrl
    ? {
        REDIS_URL: redisUrl,
        REDIS_KEY_PREFIX: `test-chat-runtime-${process.pid}:`,
        COMERIX_SECRET: 'test-secret-test-secret-test-secret-0',
      }
    : undefined,
)
