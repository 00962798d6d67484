import { afterAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../test/support/temp-dir.ts'
import { createLogger } from '../log/logger.ts'
import { LocalStateStore } from '../state/local-state-store.ts'
import { Idempotency } from './idempotency.ts'

const state = await LocalStateStore.open({
  dataDir: await tempDir('comerix-idempotency-'),
  logger: createLogger({ logLevel: 'silent' }),
})
afterAll(() => state.close())

/** `{ a: { a: ... } }` with `levels` objects, built without recursion. */
const nested = (levels: number): unknown => {
  let value: unknown = 1
  for (let level = 0; level < levels; level++) value = { a: value }
  return value
}

describe('Idempotency', () => {
  const idempotency = new Idempotency(state)

  it('replays the first answer for the same key and body', async () => {
    let runs = 0
    const handle = async () => ({ run: ++runs })
    expect(await idempotency.run('test', 'key-1', { a: 1 }, handle)).toEqual({ run: 1 })
    expect(await idempotency.run('test', 'key-1', { a: 1 }, handle)).toEqual({ run: 1 })
    await expect(idempotency.run('test', 'key-1', { a: 2 }, handle)).rejects.toMatchObject({
      code: 'idempotency_key_reused',
    })
  })

  it('refuses a body too deep to serialise with 400 and never runs the request', async () => {
    let ran = false
    const refused = idempotency.run('test', 'key-deep', nested(200_000), async () => {
      ran = true
    })
    await expect(refused).rejects.toMatchObject({ code: 'validation_failed', status: 400 })
    expect(ran).toBe(false)
  })
})
