import { appendFile, readdir, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../../test/support/temp-dir.ts'
import { encodeFrame } from '../fs/record-frame.ts'
import { createLogger } from '../log/logger.ts'
import { LocalStateStore } from './local-state-store.ts'
import type { StateOp } from './state-journal.ts'

const logger = createLogger({ logLevel: 'silent' })
const frame = (op: StateOp | { generation: number }): Buffer => encodeFrame(Buffer.from(JSON.stringify(op)))

const root = await tempDir('comerix-local-state-')
let dirs = 0
const freshDataDir = async (): Promise<string> => path.join(root, `data-${++dirs}`)

describe('local state store: journal and snapshot', () => {
  it('compaction keeps values, expiries, jobs with their leases, and locks', async () => {
    const dataDir = await freshDataDir()
    const store = await LocalStateStore.open({ dataDir, logger, compactAfterBytes: 2048 })
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 25; i++) await store.set(`key-${i}`, `round-${round}`)
    }
    await store.delete('key-0')
    await store.set('short-lived', 'gone soon', { ttlMs: 1 })
    await store.set('long-lived', 'stays', { ttlMs: 60 * 60_000 })
    await store.increment('counter', 7, { ttlMs: 60 * 60_000 })
    await store.schedule('q', { id: 'leased', payload: 'a', runAt: Date.now() })
    const [leased] = await store.claim('q', { limit: 1, leaseMs: 60 * 60_000 })
    await store.schedule('q', { id: 'waiting', payload: 'b', runAt: Date.now() })
    expect(await store.acquireLock('singleton', 60 * 60_000)).not.toBeNull()
    await store.compact()
    await store.close()

    const files = await readdir(path.join(dataDir, 'state'))
    expect(files).toContain('snapshot')
    expect(files).not.toContain('journal-0.log')

    const reopened = await LocalStateStore.open({ dataDir, logger })
    try {
      expect(await reopened.get('key-0')).toBeNull()
      expect(await reopened.get('key-24')).toBe('round-19')
      expect(await reopened.get('short-lived')).toBeNull()
      expect(await reopened.get('long-lived')).toBe('stays')
      expect(await reopened.ttl('long-lived')).toBeGreaterThan(0)
      expect(await reopened.increment('counter', 1, { ttlMs: 1 })).toBe(8)
      expect(await reopened.acquireLock('singleton', 1000)).toBeNull()
      expect(await reopened.size('q')).toBe(2)
      const claimed = await reopened.claim('q', { limit: 10, leaseMs: 60_000 })
      expect(claimed.map((job) => job.id)).toEqual(['waiting'])
      if (!leased) throw new Error('expected a claim before the restart')
      expect(await reopened.ack('q', leased)).toBe(true)
    } finally {
      await reopened.close()
    }
  })

  it('compacts on its own once the journal passes the threshold, without losing concurrent writes', async () => {
    const dataDir = await freshDataDir()
    const store = await LocalStateStore.open({ dataDir, logger, compactAfterBytes: 1024 })
    await Promise.all(Array.from({ length: 500 }, (_, i) => store.set(`key-${i % 50}`, `value-${i}`)))
    await store.close()
    expect(await readdir(path.join(dataDir, 'state'))).toContain('snapshot')

    const reopened = await LocalStateStore.open({ dataDir, logger })
    try {
      for (let i = 450; i < 500; i++) expect(await reopened.get(`key-${i % 50}`)).toBe(`value-${i}`)
    } finally {
      await reopened.close()
    }
  })

  it('cuts a torn journal tail on open, so later writes stay readable', async () => {
    const dataDir = await freshDataDir()
    const store = await LocalStateStore.open({ dataDir, logger })
    await store.set('before', 'crash')
    await store.close()
    const journal = path.join(dataDir, 'state', 'journal-0.log')
    const validBytes = (await stat(journal)).size
    const unfinished = frame({ op: 'put', key: 'kv:torn', value: 'never acknowledged' })
    await appendFile(journal, unfinished.subarray(0, unfinished.length - 3))

    const recovered = await LocalStateStore.open({ dataDir, logger })
    expect(await recovered.get('before')).toBe('crash')
    expect(await recovered.get('torn')).toBeNull()
    expect((await stat(journal)).size).toBe(validBytes)
    await recovered.set('after', 'recovery')
    await recovered.close()

    const again = await LocalStateStore.open({ dataDir, logger })
    try {
      expect(await again.get('before')).toBe('crash')
      expect(await again.get('after')).toBe('recovery')
    } finally {
      await again.close()
    }
  })

  it('recovers from a crash at any step of a compaction', async () => {
    const dataDir = await freshDataDir()
    const dir = path.join(dataDir, 'state')
    const store = await LocalStateStore.open({ dataDir, logger })
    await store.set('k', 'from-snapshot')
    await store.compact()
    await store.close()
    // Crash after the rename but before the old journal was deleted: its ops are older than the snapshot.
    await writeFile(path.join(dir, 'journal-0.log'), frame({ op: 'put', key: 'kv:k', value: 'stale' }))
    // Crash after the next journal was opened but before its snapshot was renamed into place.
    await writeFile(path.join(dir, 'journal-2.log'), frame({ op: 'put', key: 'kv:next', value: 'kept' }))
    await writeFile(path.join(dir, 'snapshot.tmp'), 'half-written')

    const reopened = await LocalStateStore.open({ dataDir, logger })
    try {
      expect(await reopened.get('k')).toBe('from-snapshot')
      expect(await reopened.get('next')).toBe('kept')
      expect(await readdir(dir)).not.toContain('journal-0.log')
      expect(await readdir(dir)).not.toContain('snapshot.tmp')
    } finally {
      await reopened.close()
    }
  })

  it('does not bring back keys that expired while it was closed', async () => {
    const dataDir = await freshDataDir()
    const store = await LocalStateStore.open({ dataDir, logger })
    await store.set('brief', 'value', { ttlMs: 20 })
    const expiresBy = Date.now() + 20
    await store.close()
    while (Date.now() <= expiresBy) await new Promise((resolve) => setTimeout(resolve, 5))

    const reopened = await LocalStateStore.open({ dataDir, logger })
    try {
      expect(await reopened.get('brief')).toBeNull()
    } finally {
      await reopened.close()
    }
  })

  it('refuses a second store on a directory that is already open', async () => {
    const dataDir = await freshDataDir()
    const store = await LocalStateStore.open({ dataDir, logger })
    try {
      await expect(LocalStateStore.open({ dataDir, logger })).rejects.toThrow(/in use by process/)
    } finally {
      await store.close()
    }
  })
})
