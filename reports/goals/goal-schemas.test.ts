import { describe, expect, it } from 'vitest'
import { globToLike, goalInput } from './goal-schemas.ts'

describe('globToLike', () => {
  it('turns * into % and escapes what LIKE would read as wildcards', () => {
    expect(globToLike('/thank-you*')).toBe('/thank-you%')
    expect(globToLike('/100%_off\\*')).toBe('/100\\%\\_off\\\\%')
  })
})

describe('goalInput', () => {
  it('defaults filters and patterns of an event goal', () => {
    expect(goalInput.parse({ name: ' Signup ', kind: 'event', eventType: 'goal.signup' })).toEqual({
      name: 'Signup',
      kind: 'event',
      eventType: 'goal.signup',
      propertyFilters: [],
      urlPatterns: [],
    })
  })

  it('needs numbers for numeric comparisons and refuses unknown operators', () => {
    const parse = (op: string, value: string) =>
      goalInput.safeParse({
        name: 'big carts',
        kind: 'event',
        eventType: 'cart.added',
        propertyFilters: [{ property: 'quantity', op, value }],
      }).success
    expect(parse('gte', '3')).toBe(true)
    expect(parse('gte', 'three')).toBe(false)
    expect(parse('gte', '')).toBe(false)
    expect(parse('like', 'x')).toBe(false)
  })

  it('sends backend conversions to the conversion kind', () => {
    expect(goalInput.safeParse({ name: 'x', kind: 'event', eventType: 'conversion' }).success).toBe(false)
    expect(goalInput.parse({ name: 'Big sale', kind: 'conversion', minValue: 100, currency: 'EUR' })).toEqual(
      {
        name: 'Big sale',
        kind: 'conversion',
        minValue: 100,
        currency: 'EUR',
      },
    )
  })
})
