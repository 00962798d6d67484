import path from 'node:path'
import { describe } from 'vitest'
import { openLocalEventLog } from '../../platform/event-log/local-event-log.ts'
import { newId } from '../../platform/ids.ts'
import { createLogger } from '../../platform/log/logger.ts'
import { tempDir } from '../support/temp-dir.ts'
import { eventLogContract, TEST_SECRET } from './event-log.contract.ts'

const logger = createLogger({ logLevel: 'silent' })
const root = await tempDir('comerix-event-log-')

describe('local event log (segment files, fsync group commit)', () => {
  eventLogContract({
    async newScope() {
      const dataDir = path.join(root, newId())
      return {
        // Small segments, so the shared cases also cross segment boundaries.
        open: () =>
          openLocalEventLog({
            dataDir,
            logger,
            segmentBytes: 4096,
            retryBackoff: { initialMs: 20, maxMs: 200 },
          }),
        env: { DATA_DIR: dataDir, KAFKA_BROKERS: '', COMERIX_SECRET: TEST_SECRET, LOG_LEVEL: 'warn' },
      }
    },
  })
})
