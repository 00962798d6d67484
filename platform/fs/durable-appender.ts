import type { FileHandle } from 'node:fs/promises'
import { openPrivateFile } from './private-files.ts'

interface Pending {
  data: Buffer
  resolve: () => void
  reject: (error: Error) => void
}

/**
 * An append-only file whose `append` resolves only after the bytes are fsync'd. Appends that arrive
 * while a sync is running are written and synced together (group commit), so many concurrent writers
 * share one fdatasync instead of paying one each.
 */
export class DurableAppender {
  private pending: Pending[] = []
  private flushing: Promise<void> | undefined
  private closed = false

  private constructor(
    private readonly file: FileHandle,
    private bytes: number,
  ) {}

  static async open(path: string): Promise<DurableAppender> {
    const file = await openPrivateFile(path, 'a')
    const { size } = await file.stat()
    return new DurableAppender(file, size)
  }

  get size(): number {
    return this.bytes
  }

  append(data: Buffer): Promise<void> {
    if (this.closed) return Promise.reject(new Error('appender is closed'))
    return new Promise((resolve, reject) => {
      this.pending.push({ data, resolve, reject })
      this.flushing ??= this.flushLoop()
    })
  }

  private async flushLoop(): Promise<void> {
    while (this.pending.length > 0) {
      const group = this.pending
      this.pending = []
      try {
        await this.file.writev(group.map((entry) => entry.data))
        await this.file.datasync()
        for (const entry of group) this.bytes += entry.data.length
        for (const entry of group) entry.resolve()
      } catch (error) {
        for (const entry of group) entry.reject(error as Error)
      }
    }
    this.flushing = undefined
  }

  async close(): Promise<void> {
    this.closed = true
    await this.flushing
    await this.file.close()
  }
}
