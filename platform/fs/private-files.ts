import { chmod, type FileHandle, mkdir, open } from 'node:fs/promises'

/**
 * Modes for everything a process keeps in its data directory (state, event log, keys, ClickHouse):
 * readable by the account that runs Comerix only. Applied with chmod after creating or opening, so the
 * result does not depend on the umask, and data directories made by older versions are tightened.
 */
export const PRIVATE_FILE_MODE = 0o600
export const PRIVATE_DIR_MODE = 0o700

/** Creates `dir` (and missing parents) as a private directory, or makes an existing one private. */
export async function makePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE })
  await chmod(dir, PRIVATE_DIR_MODE).catch(ignoreNotOwner)
}

/** Opens `file` for writing (`flags` as for `open`); a new file is private, an existing one made so. */
export async function openPrivateFile(file: string, flags: string): Promise<FileHandle> {
  const handle = await open(file, flags, PRIVATE_FILE_MODE)
  try {
    await handle.chmod(PRIVATE_FILE_MODE).catch(ignoreNotOwner)
  } catch (error) {
    await handle.close()
    throw error
  }
  return handle
}

// A directory or file another account owns (a mount point, a file an administrator made) cannot be
// re-moded by this process; it is used as it is, like before.
function ignoreNotOwner(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EPERM') throw error
}
