import { serviceUrl, skipNotice } from '../support/services.ts'
import { chatCases } from './chat-cases.ts'

const redisUrl = serviceUrl('redis')

chatCases(
  redisUrl ? 'Redis' : `Redis (${skipNotice('redis')})`,
  redisUrl
    ? {
        REDIS_URL: redisUrl,
        REDIS_KEY_PREFIX: `test-chat-${process.pid}:`,
        COMERIX_SECRET: 'test-secret-test-secret-test-secret-0',
      }
    : undefined,
)
