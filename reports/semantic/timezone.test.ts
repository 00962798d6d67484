import { describe, expect, it } from 'vitest'
import { canonicalTimezone, timezone } from './timezone.ts'

describe('timezone', () => {
  it('normalises case and aliases to the canonical name', () => {
    expect(timezone.parse('utc')).toBe('UTC')
    expect(timezone.parse(' Europe/berlin ')).toBe('Europe/Berlin')
    expect(timezone.parse('US/Eastern')).toBe('America/New_York')
    expect(timezone.parse('etc/gmt-14')).toBe('Etc/GMT-14')
    expect(timezone.parse('Asia/Kolkata')).toBe(canonicalTimezone('Asia/Kolkata'))
  })

  it('refuses names ClickHouse does not know, even when ICU or luxon accept them', () => {
    for (const name of ['SystemV/AST4', 'Mars/Olympus', '+01:00', 'Z', '', 'localtime', 'Etc/GMT+13']) {
      expect(timezone.safeParse(name).success, name).toBe(false)
      expect(canonicalTimezone(name), name).toBeUndefined()
    }
  })
})
