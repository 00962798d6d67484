import { type FileHandle, open, readdir, readFile, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import { DurableAppender } from '../fs/durable-appender.ts'
import { makePrivateDir, openPrivateFile } from '../fs/private-files.ts'
import { decodeFrames, encodeFrame } from '../fs/record-frame.ts'

/** One mutation of the local state store; replaying every op in order rebuilds the state. */
export type StateOp =
  | { op: 'put'; key: string; value: string; expiresAt?: number }
  | { op: 'del'; key: string }
  | {
      op: 'job'
      queue: string
      id: string
      payload: string
      /** When the job is next claimable: its runAt, or the end of its current lease. */
      dueAt: number
      attempt: number
      leaseToken?: string
    }
  | { op: 'done'; queue: string; id: string }

export interface JournalRecovery {
  ops: number
  truncatedBytes: number
}

const SNAPSHOT = 'snapshot'
const SNAPSHOT_TMP = 'snapshot.tmp'
const OWNER = 'owner.pid'
const JOURNAL_NAME = /^journal-(\d+)\.log$/
const journalName = (generation: number): string => `journal-${generation}.log`
const encodeOp = (op: StateOp | { generation: number }): Buffer =>
  encodeFrame(Buffer.from(JSON.stringify(op)))

/**
 * Durability for the local state store. Each op is a frame appended to `journal-<g>.log`, resolving
 * after fsync. Compaction writes the live state to `snapshot` (first frame: its generation g) and
 * deletes journals older than g. Opening applies the snapshot, then every journal >= g in order, so a
 * crash at any step of a compaction replays either the old files or the new ones, never neither.
 */
export class StateJournal {
  private compacting: Promise<void> | undefined
  private closed = false

  private constructor(
    private readonly dir: string,
    private appender: DurableAppender,
    private generation: number,
    readonly recovery: JournalRecovery,
  ) {}

  static async open(dir: string, apply: (op: StateOp) => void): Promise<StateJournal> {
    await makePrivateDir(dir)
    await claimDirectory(dir)
    try {
      return await StateJournal.recover(dir, apply)
    } catch (error) {
      await rm(path.join(dir, OWNER), { force: true })
      throw error
    }
  }

  private static async recover(dir: string, apply: (op: StateOp) => void): Promise<StateJournal> {
    await rm(path.join(dir, SNAPSHOT_TMP), { force: true })
    const recovery: JournalRecovery = { ops: 0, truncatedBytes: 0 }
    const countingApply = (op: StateOp): void => {
      recovery.ops += 1
      apply(op)
    }
    const base = await replaySnapshot(dir, countingApply)
    let current = base
    for (const generation of await listJournals(dir)) {
      const file = path.join(dir, journalName(generation))
      if (generation < base) {
        await rm(file, { force: true })
        continue
      }
      recovery.truncatedBytes += await replayJournal(file, countingApply)
      current = generation
    }
    const appender = await DurableAppender.open(path.join(dir, journalName(current)))
    await syncDirectory(dir)
    return new StateJournal(dir, appender, current, recovery)
  }

  /** Bytes in the current journal; the store compacts when this grows past its threshold. */
  get size(): number {
    return this.appender.size
  }

  append(op: StateOp): Promise<void> {
    return this.appender.append(encodeOp(op))
  }

  /** Replaces the journals with a snapshot of `dump()`; concurrent calls share one compaction. */
  compact(dump: () => StateOp[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('state journal is closed'))
    this.compacting ??= this.rotate(dump).finally(() => {
      this.compacting = undefined
    })
    return this.compacting
  }

  async close(): Promise<void> {
    this.closed = true
    await this.compacting?.catch(() => undefined)
    await this.appender.close()
    await rm(path.join(this.dir, OWNER), { force: true })
  }

  private async rotate(dump: () => StateOp[]): Promise<void> {
    const generation = this.generation + 1
    const next = await DurableAppender.open(path.join(this.dir, journalName(generation)))
    await syncDirectory(this.dir)
    // Swapping the appender and dumping the state in one synchronous step puts every op either in the
    // snapshot (applied before the swap) or in the new journal (after it), never in neither.
    const previous = this.appender
    this.appender = next
    this.generation = generation
    const frames = [encodeOp({ generation }), ...dump().map(encodeOp)]
    await previous.close()
    await writeAtomically(this.dir, Buffer.concat(frames))
    for (const old of await listJournals(this.dir)) {
      if (old < generation) await rm(path.join(this.dir, journalName(old)), { force: true })
    }
  }
}

async function replaySnapshot(dir: string, apply: (op: StateOp) => void): Promise<number> {
  const file = path.join(dir, SNAPSHOT)
  const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined
    throw error
  })
  if (bytes === undefined) return 0
  const { payloads, validBytes } = decodeFrames(bytes)
  const [header, ...ops] = payloads
  const generation = header
    ? (JSON.parse(header.toString()) as { generation?: unknown }).generation
    : undefined
  // The snapshot is renamed into place only after fsync, so unlike a journal it is never torn.
  if (validBytes !== bytes.length || typeof generation !== 'number') {
    throw new Error(`state snapshot ${file} is corrupt; restore it from a backup or move it away`)
  }
  for (const op of ops) apply(JSON.parse(op.toString()) as StateOp)
  return generation
}

/** Applies a journal's frames and truncates a torn tail; returns the number of bytes cut. */
async function replayJournal(file: string, apply: (op: StateOp) => void): Promise<number> {
  const bytes = await readFile(file)
  const { payloads, validBytes } = decodeFrames(bytes)
  for (const op of payloads) apply(JSON.parse(op.toString()) as StateOp)
  if (validBytes === bytes.length) return 0
  // Appends after an unreadable tail would be unreachable on the next replay, so cut it first.
  await withFile(file, 'r+', async (handle) => {
    await handle.truncate(validBytes)
    await handle.datasync()
  })
  return bytes.length - validBytes
}

async function listJournals(dir: string): Promise<number[]> {
  const names = await readdir(dir)
  return names
    .map((name) => JOURNAL_NAME.exec(name)?.[1])
    .filter((generation) => generation !== undefined)
    .map(Number)
    .sort((a, b) => a - b)
}

async function writeAtomically(dir: string, bytes: Buffer): Promise<void> {
  const temp = path.join(dir, SNAPSHOT_TMP)
  await withFile(temp, 'w', async (handle) => {
    await handle.writeFile(bytes)
    await handle.sync()
  })
  await rename(temp, path.join(dir, SNAPSHOT))
  await syncDirectory(dir)
}

/** Makes created, renamed and deleted names durable, not only file contents. */
async function syncDirectory(dir: string): Promise<void> {
  await withFile(dir, 'r', (handle) => handle.sync())
}

async function withFile<T>(file: string, flags: string, use: (handle: FileHandle) => Promise<T>): Promise<T> {
  // Written files are private (the journal holds chat state); directories and reads keep their mode.
  const handle = flags === 'r' ? await open(file, flags) : await openPrivateFile(file, flags)
  try {
    return await use(handle)
  } finally {
    await handle.close()
  }
}

/**
 * Two processes appending to one journal would corrupt it, so the directory records its owner's pid;
 * an owner that no longer runs (killed, crashed) is replaced.
 */
async function claimDirectory(dir: string): Promise<void> {
  const file = path.join(dir, OWNER)
  const owner = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10)
  if (Number.isInteger(owner) && isRunning(owner)) {
    throw new Error(
      `state directory ${dir} is in use by process ${owner}; each process needs its own DATA_DIR, or set REDIS_URL to share state`,
    )
  }
  await withFile(file, 'w', async (handle) => {
    await handle.writeFile(String(process.pid))
    await handle.sync()
  })
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
