import { describe } from 'vitest'
import { newId } from '../../platform/ids.ts'
import { createLogger } from '../../platform/log/logger.ts'
import { RedisStateStore } from '../../platform/state/redis-state-store.ts'
import { serviceUrl, skipNotice } from '../support/services.ts'
import { stateStoreContract } from './state-store.contract.ts'

const url = serviceUrl('redis')
const logger = createLogger({ logLevel: 'silent' })

describe.skipIf(!url)(`redis state store ${url ? '' : skipNotice('redis')}`, () => {
  stateStoreContract(async () => {
    if (!url) throw new Error('unreachable: the suite is skipped without REDIS_URL')
    // A prefix per run, so runs sharing a server never see each other's keys; removed afterwards.
    const keyPrefix = `comerix-test-${newId()}:`
    const stores: RedisStateStore[] = []
    const connect = async (prefix = keyPrefix): Promise<RedisStateStore> => {
      const store = await RedisStateStore.connect({ url, logger, keyPrefix: prefix })
      stores.push(store)
      return store
    }
    return {
      connect: () => connect(),
      crashTarget: async () => {
        const prefix = `${keyPrefix}crash-${newId()}:`
        return { env: { STATE_REDIS_URL: url, STATE_KEY_PREFIX: prefix }, reopen: () => connect(prefix) }
      },
      close: async () => {
        const cleaner = await connect()
        await cleaner.clearNamespace()
        await Promise.all(stores.map((store) => store.close().catch(() => undefined)))
      },
    }
  })
})
