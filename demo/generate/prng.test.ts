import { describe, expect, it } from 'vitest'
import { hashSeed, Prng } from './prng.ts'

const draw = (seed: number, count: number) => {
  const prng = new Prng(seed)
  return Array.from({ length: count }, () => prng.uint32())
}

describe('Prng', () => {
  it('repeats its sequence for a seed and changes it with the seed', () => {
    expect(draw(42, 100)).toEqual(draw(42, 100))
    expect(draw(42, 100)).not.toEqual(draw(43, 100))
  })

  it('gives every stream of a seed its own sequence', () => {
    const firsts = new Set<string>()
    for (let stream = 0; stream < 200_000; stream++) {
      const prng = new Prng(1, stream)
      firsts.add(`${prng.uint32()}-${prng.uint32()}`)
    }
    expect(firsts.size).toBe(200_000)
  })

  it('keeps integers within bounds and spreads them evenly', () => {
    const prng = new Prng(7)
    const counts = [0, 0, 0, 0, 0, 0]
    for (let i = 0; i < 60_000; i++) {
      const value = prng.int(0, 5)
      counts[value] = (counts[value] ?? 0) + 1
    }
    expect(counts.reduce((a, b) => a + b, 0)).toBe(60_000)
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(400)
  })

  it('draws Poisson counts, weighted picks and exponentials with the asked means', () => {
    const prng = new Prng(11)
    const n = 50_000
    let poisson = 0
    let heavy = 0
    let exponential = 0
    for (let i = 0; i < n; i++) {
      poisson += prng.poisson(0.3)
      if (
        prng.weighted([
          ['heavy', 3],
          ['light', 1],
        ] as const) === 'heavy'
      )
        heavy++
      exponential += prng.exponential(2)
    }
    expect(poisson / n).toBeCloseTo(0.3, 1)
    expect(heavy / n).toBeCloseTo(0.75, 1)
    expect(exponential / n).toBeCloseTo(2, 1)
  })

  it('writes hex of the asked length', () => {
    const prng = new Prng(3)
    for (const length of [1, 8, 12, 23]) expect(prng.hex(length)).toMatch(new RegExp(`^[0-9a-f]{${length}}$`))
  })
})

describe('hashSeed', () => {
  it('derives distinct stable seeds from parts', () => {
    expect(hashSeed(1, 2)).toBe(hashSeed(1, 2))
    expect(hashSeed(1, 2)).not.toBe(hashSeed(2, 1))
    expect(hashSeed(1, 23)).not.toBe(hashSeed(12, 3))
  })
})
