import { describe, expect, it } from 'vitest'
import { PathSyntaxError, parsePath, readPath } from './read-path.ts'

const body = {
  order: { id: 'A-1', status: 'shipped', total: 0, gift: false, note: null },
  items: [{ name: 'mug' }, { name: 'tea' }, { name: 'spoon' }],
  'tracking-url': 'https://track.example/1',
  grid: [
    [1, 2],
    [3, 4],
  ],
}

describe('readPath', () => {
  it('reads nested properties, with or without the $. prefix', () => {
    expect(readPath(body, 'order.status')).toBe('shipped')
    expect(readPath(body, '$.order.status')).toBe('shipped')
    expect(readPath(body, 'tracking-url')).toBe('https://track.example/1')
  })

  it('returns the whole body for $', () => {
    expect(readPath(body, '$')).toBe(body)
    expect(readPath('plain text', '$')).toBe('plain text')
  })

  it('indexes arrays from the start and, with negative numbers, from the end', () => {
    expect(readPath(body, 'items[0].name')).toBe('mug')
    expect(readPath(body, 'items[-1].name')).toBe('spoon')
    expect(readPath(body, 'items[-3]')).toEqual({ name: 'mug' })
    expect(readPath(body, 'grid[1][0]')).toBe(3)
    expect(readPath([{ id: 7 }], '[0].id')).toBe(7)
    expect(readPath([{ id: 7 }], '$[0].id')).toBe(7)
  })

  it('keeps falsy values and reads anything missing as null', () => {
    expect(readPath(body, 'order.total')).toBe(0)
    expect(readPath(body, 'order.gift')).toBe(false)
    expect(readPath(body, 'order.note')).toBeNull()
    expect(readPath(body, 'order.missing')).toBeNull()
    expect(readPath(body, 'order.status.length')).toBeNull()
    expect(readPath(body, 'items[3]')).toBeNull()
    expect(readPath(body, 'items[-4]')).toBeNull()
    expect(readPath(body, 'items.name')).toBeNull()
    expect(readPath(body, 'order[0]')).toBeNull()
    expect(readPath(null, 'a.b')).toBeNull()
  })

  it('never reaches prototype properties', () => {
    expect(readPath(body, 'order.toString')).toBeNull()
    expect(readPath(body, 'items.length')).toBeNull()
    for (const path of ['__proto__', 'order.constructor', 'a.prototype.b', '$.__proto__.polluted']) {
      expect(() => readPath(body, path)).toThrow(PathSyntaxError)
    }
  })

  it('rejects malformed paths with a clear error', () => {
    for (const path of ['', 'a..b', 'a.', '.a', 'a[x]', 'a[0', 'a b', 'a.[0]', '$$', 'x'.repeat(201)]) {
      expect(() => parsePath(path), path).toThrow(PathSyntaxError)
    }
  })

  it('parses once for repeated reads', () => {
    const path = parsePath('$.items[-1].name')
    expect(path).toEqual(['items', -1, 'name'])
    expect(readPath(body, path)).toBe('spoon')
  })
})
