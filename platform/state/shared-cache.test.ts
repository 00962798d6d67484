import { describe, expect, it } from 'vitest'
import { serviceUrl, skipNotice } from '../../test/support/services.ts'
import { tempDir } from '../../test/support/temp-dir.ts'
import { waitFor } from '../../test/support/wait-for.ts'
import { createLogger } from '../log/logger.ts'
import { createStateStore } from './create-state-store.ts'
import { SharedCache, type SharedCacheOptions } from './shared-cache.ts'
import type { StateStore } from './state-store.ts'

const logger = createLogger({ logLevel: 'silent' })
const redisUrl = serviceUrl('redis')
const root = await tempDir('comerix-shared-cache-')
let dirs = 0

type OpenPair = () => Promise<[StateStore, StateStore]>

/** Two processes' views of the state store: one shared local store, or two Redis connections. */
const pairs: Array<[string, OpenPair | undefined]> = [
  [
    'local state',
    async () => {
      const state = await createStateStore({ dataDir: `${root}/data-${++dirs}`, redisUrl: undefined }, logger)
      return [state, state]
    },
  ],
  [
    redisUrl ? 'redis state' : `redis state (${skipNotice('redis')})`,
    redisUrl
      ? async () => {
          // Channels are prefixed too, so both connections share one prefix, fresh for each test.
          const keyPrefix = `test:${process.pid}:shared-cache:${++dirs}:`
          const open = () => createStateStore({ dataDir: root, redisUrl }, logger, { keyPrefix })
          return [await open(), await open()]
        }
      : undefined,
  ],
]

/** A loader that counts its calls and answers with the key and the call number. */
function countingLoader() {
  const calls = new Map<string, number>()
  const load = (key: string) => async () => {
    const call = (calls.get(key) ?? 0) + 1
    calls.set(key, call)
    return `${key}#${call}`
  }
  return { load, calls: (key: string) => calls.get(key) ?? 0 }
}

describe.each(pairs)('shared cache with %s', (_name, openPair) => {
  /** Runs `body` with the two stores and closes them and every cache it started afterwards. */
  async function withStores(body: (open: OpenCache, stores: [StateStore, StateStore]) => Promise<void>) {
    const stores = await (openPair as OpenPair)()
    const caches: SharedCache<string | null>[] = []
    const open: OpenCache = async (state, options) => {
      const cache = new SharedCache<string | null>(state, { ttlMs: 60_000, ...options })
      await cache.start()
      caches.push(cache)
      return cache
    }
    try {
      await body(open, stores)
    } finally {
      for (const cache of caches) await cache.stop()
      await stores[0].close()
      if (stores[1] !== stores[0]) await stores[1].close()
    }
  }

  it.skipIf(!openPair)('loads once, then serves the cached value until invalidated', async () => {
    await withStores(async (open, [stateA]) => {
      const cache = await open(stateA, { channel: 'unit:reuse' })
      const { load, calls } = countingLoader()
      expect(await cache.getOrLoad('k', load('k'))).toBe('k#1')
      expect(await cache.getOrLoad('k', load('k'))).toBe('k#1')
      expect(calls('k')).toBe(1)

      await cache.invalidate('k')
      expect(await cache.getOrLoad('k', load('k'))).toBe('k#2')
    })
  })

  it.skipIf(!openPair)("an invalidation in one process evicts the key from the other's cache", async () => {
    await withStores(async (open, [stateA, stateB]) => {
      const processA = await open(stateA, { channel: 'unit:evict' })
      const processB = await open(stateB, { channel: 'unit:evict' })
      const { load, calls } = countingLoader()
      await processB.getOrLoad('changed', load('changed'))
      await processB.getOrLoad('untouched', load('untouched'))

      await processA.invalidate('changed')

      await waitFor(async () => (await processB.getOrLoad('changed', load('changed'))) === 'changed#2')
      expect(await processB.getOrLoad('untouched', load('untouched'))).toBe('untouched#1')
      expect(calls('untouched')).toBe(1)
    })
  })

  it.skipIf(!openPair)('caches sharing a channel obey only their own namespace', async () => {
    await withStores(async (open, [stateA, stateB]) => {
      const secretsA = await open(stateA, { channel: 'unit:shared', namespace: 'secret' })
      const widgetsA = await open(stateA, { channel: 'unit:shared', namespace: 'widget' })
      const secretsB = await open(stateB, { channel: 'unit:shared', namespace: 'secret' })
      const widgetsB = await open(stateB, { channel: 'unit:shared', namespace: 'widget' })
      const secrets = countingLoader()
      const widgets = countingLoader()
      await secretsB.getOrLoad('k', secrets.load('k'))
      await widgetsB.getOrLoad('k', widgets.load('k'))
      await widgetsB.getOrLoad('marker', widgets.load('marker'))

      await secretsA.invalidate('k')
      // Published after the secret's message on the same connection, so it arrives after it.
      await widgetsA.invalidate('marker')

      await waitFor(async () => (await widgetsB.getOrLoad('marker', widgets.load('marker'))) === 'marker#2')
      expect(await secretsB.getOrLoad('k', secrets.load('k'))).toBe('k#2')
      expect(await widgetsB.getOrLoad('k', widgets.load('k'))).toBe('k#1')
    })
  })

  it.skipIf(!openPair)('remembers a miss (null) for missTtlMs and a hit for ttlMs', async () => {
    await withStores(async (open, [stateA]) => {
      const cache = await open(stateA, { channel: 'unit:miss', missTtlMs: 1 })
      let misses = 0
      const miss = async () => {
        misses++
        return null
      }
      const { load, calls } = countingLoader()
      expect(await cache.getOrLoad('absent', miss)).toBeNull()
      await cache.getOrLoad('present', load('present'))
      const expired = Date.now() + 1
      while (Date.now() <= expired) await new Promise((resolve) => setTimeout(resolve, 2))

      expect(await cache.getOrLoad('absent', miss)).toBeNull()
      expect(misses).toBe(2)
      expect(await cache.getOrLoad('present', load('present'))).toBe('present#1')
      expect(calls('present')).toBe(1)
    })
  })
})

type OpenCache = (
  state: StateStore,
  options: Omit<SharedCacheOptions, 'ttlMs'>,
) => Promise<SharedCache<string | null>>
