import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll } from 'vitest'

const created: string[] = []

// Registered when a test file imports this module, so directories made inside tests and hooks
// are removed too (an afterAll registered from inside a running test would never run).
afterAll(async () => {
  await Promise.all(created.map((dir) => rm(dir, { recursive: true, force: true })))
})

/** A fresh directory, removed after the importing file's tests. */
export async function tempDir(prefix = 'comerix-test-'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix))
  created.push(dir)
  return dir
}
