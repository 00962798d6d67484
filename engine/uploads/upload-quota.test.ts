import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppError } from '../../platform/errors/catalog.ts'
import { createLogger } from '../../platform/log/logger.ts'
import { createStateStore } from '../../platform/state/create-state-store.ts'
import type { StateStore } from '../../platform/state/state-store.ts'
import { serviceUrl, skipNotice } from '../../test/support/services.ts'
import { tempDir } from '../../test/support/temp-dir.ts'
import { type UploadOwner, UploadQuota } from './upload-quota.ts'

const logger = createLogger({ logLevel: 'silent' })
const redisUrl = serviceUrl('redis')
const stores: StateStore[] = []
afterAll(async () => {
  for (const store of stores) await store.close()
})
const open = async (redis: boolean) => {
  const store = await createStateStore(
    { dataDir: await tempDir(), redisUrl: redis ? redisUrl : undefined },
    logger,
    { keyPrefix: `test:${randomUUID()}:upload-quota:` },
  )
  stores.push(store)
  return store
}

const limits = {
  perExecution: { files: 2, bytes: 1_000 },
  perSession: { files: 3, bytes: 10_000 },
  perKeyPerDay: { files: 100, bytes: 2_500 },
}
let seq = 0
const owner = (overrides: Partial<UploadOwner> = {}): UploadOwner => {
  seq += 1
  return {
    tenantId: '00000000-0000-4000-8000-000000000001',
    publicKey: `pk_quota_${seq}`,
    chatSessionId: `cs_${seq}`,
    executionId: `ex_${seq}`,
    ...overrides,
  }
}
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a refusal')
    },
    (error: AppError) => error,
  )

for (const [name, redis] of [
  ['local state', false],
  [redisUrl ? 'redis state' : `redis state (${skipNotice('redis')})`, true],
] as const)
  describe.skipIf(redis && !redisUrl)(`UploadQuota on ${name}`, () => {
    let state: StateStore
    let quota: UploadQuota
    beforeAll(async () => {
      state = await open(redis)
      // 2025-01-01T18:00:00Z: six hours before the next UTC day.
      quota = new UploadQuota(state, limits, 3_600_000, () => Date.UTC(2025, 0, 1, 18))
    })

    it('counts files per execution and refuses the one past the budget', async () => {
      const first = owner()
      await quota.reserve(first, 10)
      await quota.reserve(first, 10)
      await expect(quota.checkRoom(first)).rejects.toMatchObject({
        code: 'upload_quota_exceeded',
        details: { scope: 'execution', unit: 'files', limit: 2 },
      })
      const error = await refusal(quota.reserve(first, 10))
      expect(error).toMatchObject({ status: 429, details: { scope: 'execution', unit: 'files' } })
      // A new execution of the same session has its own budget; the session's is shared.
      await quota.reserve({ ...first, executionId: 'ex_other' }, 10)
      expect(await refusal(quota.reserve({ ...first, executionId: 'ex_third' }, 10))).toMatchObject({
        details: { scope: 'session', unit: 'files', limit: 3 },
      })
    })

    it('counts bytes, and a refused upload takes nothing', async () => {
      const first = owner()
      await quota.reserve(first, 900)
      expect(await refusal(quota.reserve(first, 101))).toMatchObject({
        details: { scope: 'execution', unit: 'bytes', limit: 1_000 },
      })
      await quota.reserve(first, 100)
    })

    it('shares a key budget per UTC day across sessions, with Retry-After at the next midnight', async () => {
      const publicKey = owner().publicKey
      await quota.reserve(owner({ publicKey }), 1_000)
      await quota.reserve(owner({ publicKey }), 1_000)
      const error = await refusal(quota.reserve(owner({ publicKey }), 501))
      expect(error).toMatchObject({ details: { scope: 'key', unit: 'bytes', limit: 2_500 } })
      expect(error.headers).toEqual({ 'retry-after': String(6 * 3600) })
      await quota.reserve(owner({ publicKey }), 500)
      const tomorrow = new UploadQuota(state, limits, 3_600_000, () => Date.UTC(2025, 0, 2, 1))
      await tomorrow.reserve(owner({ publicKey }), 1_000)
    })

    it('gives the counts back when the caller releases them (a failed store)', async () => {
      const first = owner()
      const release = await quota.reserve(first, 600)
      await release()
      await quota.reserve(first, 1_000)
    })
  })
