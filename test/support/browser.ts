import { mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'

/** Debian's chromium, installed by `ops/services.sh start` (never a downloaded browser). */
export const CHROMIUM_PATH = '/usr/bin/chromium'

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  })
}

/** Saves a full-page screenshot under $TMPDIR/comerix-screenshots for a person to review; returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  const dir = path.join(tmpdir(), 'comerix-screenshots')
  await mkdir(dir, { recursive: true })
  const file = path.join(dir, `${name}.png`)
  await page.screenshot({ path: file, fullPage: true })
  return file
}
