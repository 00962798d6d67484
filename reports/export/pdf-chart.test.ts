import { describe, expect, it } from 'vitest'
import { groupLabel, largestLines, MAX_CHART_LINES, niceTicks } from './pdf-chart.ts'

describe('niceTicks', () => {
  it('covers the range with steps of 1, 2 or 5 times a power of ten', () => {
    expect(niceTicks(0, 357)).toEqual([0, 100, 200, 300, 400])
    expect(niceTicks(0, 0.43)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5])
    expect(niceTicks(-120, 80)).toEqual([-150, -100, -50, 0, 50, 100])
    expect(niceTicks(0, 160_368_200_000)).toEqual([0, 50e9, 100e9, 150e9, 200e9])
  })

  it('gives an axis to a flat or empty series', () => {
    expect(niceTicks(0, 0)).toEqual([0, 1])
    expect(niceTicks(5, 5)).toEqual([0, 1, 2, 3, 4, 5])
  })
})

describe('largestLines', () => {
  it('keeps the groups with the largest totals, largest first', () => {
    const series = Array.from({ length: 10 }, (_, i) => ({
      group: { flow: `f${i}` },
      points: [
        { bucket: 'a', sessions: i },
        { bucket: 'b', sessions: i % 3 === 0 ? 100 : 1 },
      ],
    }))
    const lines = largestLines(series, 'sessions')
    expect(lines).toHaveLength(MAX_CHART_LINES)
    expect(lines.map((line) => line.group.flow).slice(0, 4)).toEqual(['f9', 'f6', 'f3', 'f0'])
    expect(lines.map((line) => line.group.flow)).not.toContain('f1')
  })

  it('names groups by their dimension values', () => {
    expect(groupLabel({ group: { flow: 'Returns', currency: 'EUR' }, points: [] }, 'All')).toBe(
      'Returns · EUR',
    )
    expect(groupLabel({ group: {}, points: [] }, 'Sessions')).toBe('Sessions')
  })
})
