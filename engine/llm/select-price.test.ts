import { describe, expect, it } from 'vitest'
import { costMicros, GLOBAL_TENANT, matchesModel, type PriceEntry, selectPrice } from './select-price.ts'

const TENANT = '11111111-1111-4111-8111-111111111111'
const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`)

function price(id: string, pattern: string, from: string, overrides: Partial<PriceEntry> = {}): PriceEntry {
  return {
    priceId: id,
    tenantId: GLOBAL_TENANT,
    modelPattern: pattern,
    inputMicrosPerMTok: 1_000_000,
    cachedInputMicrosPerMTok: 500_000,
    outputMicrosPerMTok: 4_000_000,
    currency: 'USD',
    effectiveFromMs: day(from),
    note: '',
    createdAtMs: day(from),
    ...overrides,
  }
}

describe('matchesModel', () => {
  it('matches an exact name only exactly and a glob by prefix', () => {
    expect(matchesModel('gpt-4o', 'gpt-4o')).toBe(true)
    expect(matchesModel('gpt-4o', 'gpt-4o-mini')).toBe(false)
    expect(matchesModel('gpt-4o-2*', 'gpt-4o-2024-08-06')).toBe(true)
    expect(matchesModel('gpt-4o-2*', 'gpt-4o-mini-2024-07-18')).toBe(false)
  })
})

describe('selectPrice', () => {
  const catalog = [
    price('glob', 'gpt-4o*', '2024-01-01'),
    price('longer-glob', 'gpt-4o-mini*', '2024-01-01'),
    price('exact-old', 'gpt-4o-mini', '2024-01-01'),
    price('exact-new', 'gpt-4o-mini', '2025-06-01'),
  ]

  it('prefers an exact name to any glob and a longer glob to a shorter one', () => {
    expect(selectPrice(catalog, 'gpt-4o-mini', day('2025-07-01'))?.priceId).toBe('exact-new')
    expect(selectPrice(catalog, 'gpt-4o-mini-2024-07-18', day('2025-07-01'))?.priceId).toBe('longer-glob')
    expect(selectPrice(catalog, 'gpt-4o-audio', day('2025-07-01'))?.priceId).toBe('glob')
  })

  it('uses the version in effect at the call time, never a later one', () => {
    expect(selectPrice(catalog, 'gpt-4o-mini', day('2025-05-31'))?.priceId).toBe('exact-old')
    expect(selectPrice(catalog, 'gpt-4o-mini', day('2023-12-31'))).toBeUndefined()
  })

  it("lets a tenant's entry beat a more specific global one", () => {
    const withOverride = [...catalog, price('tenant', 'gpt-4o*', '2025-01-01', { tenantId: TENANT })]
    expect(selectPrice(withOverride, 'gpt-4o-mini', day('2025-07-01'))?.priceId).toBe('tenant')
    expect(selectPrice(withOverride, 'gpt-4o-mini', day('2024-07-01'))?.priceId).toBe('exact-old')
  })

  it('breaks a tie on the same pattern and date by the latest created', () => {
    const twice = [
      price('first', 'm', '2025-01-01', { createdAtMs: day('2025-01-02') }),
      price('second', 'm', '2025-01-01', { createdAtMs: day('2025-01-03') }),
    ]
    expect(selectPrice(twice, 'm', day('2025-02-01'))?.priceId).toBe('second')
  })

  it('finds nothing for an unknown model', () => {
    expect(selectPrice(catalog, 'claude-3', day('2025-07-01'))).toBeUndefined()
  })
})

describe('costMicros', () => {
  const entry = price('p', 'm', '2025-01-01', {
    inputMicrosPerMTok: 150_000,
    cachedInputMicrosPerMTok: 75_000,
    outputMicrosPerMTok: 600_000,
  })

  it('prices cached prompt tokens at the cached price and the rest at the input price', () => {
    // 1000 cached x 0.075 + 3000 x 0.15 + 2000 x 0.6 (micros per token) = 75 + 450 + 1200
    const usage = {
      promptTokens: 4_000,
      cachedPromptTokens: 1_000,
      completionTokens: 2_000,
      totalTokens: 6_000,
    }
    expect(costMicros(entry, usage)).toBe(1_725)
  })

  it('rounds once, half up, on the exact sum', () => {
    // 3 x 0.15 + 1 x 0.6 = 1.05 micros -> 1; 7 x 0.15 + 1 x 0.6 = 1.65 -> 2; 10 x 0.15 = 1.5 -> 2
    const usage = (promptTokens: number, completionTokens: number) => ({
      promptTokens,
      cachedPromptTokens: 0,
      completionTokens,
      totalTokens: promptTokens + completionTokens,
    })
    expect(costMicros(entry, usage(3, 1))).toBe(1)
    expect(costMicros(entry, usage(7, 1))).toBe(2)
    expect(costMicros(entry, usage(10, 0))).toBe(2)
    // 6 cached x 0.075 + 3 x 0.15 = 0.45 + 0.45 = 0.9 -> 1, where rounding each part would give 0 + 0.
    expect(
      costMicros(entry, { promptTokens: 9, cachedPromptTokens: 6, completionTokens: 0, totalTokens: 9 }),
    ).toBe(1)
  })

  it('caps cached tokens at the prompt size and stays exact for very large counts', () => {
    const huge = {
      promptTokens: 2_000_000_000,
      cachedPromptTokens: 3_000_000_000,
      completionTokens: 0,
      totalTokens: 0,
    }
    expect(costMicros(entry, huge)).toBe(150_000_000)
  })
})
