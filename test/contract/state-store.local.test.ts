import path from 'node:path'
import { describe } from 'vitest'
import { createLogger } from '../../platform/log/logger.ts'
import { LocalStateStore } from '../../platform/state/local-state-store.ts'
import { tempDir } from '../support/temp-dir.ts'
import { stateStoreContract } from './state-store.contract.ts'

const logger = createLogger({ logLevel: 'silent' })
const root = await tempDir('comerix-state-')

describe('local state store (journaled, in-process)', () => {
  stateStoreContract(async () => {
    // One directory belongs to one process, so every "client" is the same store.
    const store = await LocalStateStore.open({ dataDir: path.join(root, 'shared'), logger })
    let crashes = 0
    return {
      connect: async () => store,
      crashTarget: async () => {
        const dataDir = path.join(root, `crash-${++crashes}`)
        return { env: { STATE_DATA_DIR: dataDir }, reopen: () => LocalStateStore.open({ dataDir, logger }) }
      },
      close: () => store.close(),
    }
  })
})
