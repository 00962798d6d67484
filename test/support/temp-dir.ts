import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll } from 'vitest'

/** A fresh directory removed after the file's tests. */
export async function tempDir(prefix = 'comerix-test-'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix))
  afterAll(() => rm(dir, { recursive: true, force: true }))
  return dir
}
