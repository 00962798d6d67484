import { serviceUrl, skipNotice } from '../support/services.ts'
import { webhookCases } from './webhooks-cases.ts'

const redisUrl = serviceUrl('redis')

webhookCases(
  redisUrl ? 'Redis' : `Redis (${skipNotice('redis')})`,
  redisUrl
    ? {
        REDIS_URL: redisUrl,
        REDIS_KEY_PREFIX: `test-webhooks-${process.pid}:`,
        COMERIX_SECRET: 'test-secret-test-secret-test-secret-0',
      }
    : undefined,
)
