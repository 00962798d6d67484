import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { newToken } from '../../platform/ids.ts'
import { SESSION_TOKEN_BYTES, SESSION_TOKEN_PREFIX, SESSION_TOKEN_REFUSAL } from '../chat-session-id.ts'
import { conversionBody, occurredAtProblem } from './conversion-schema.ts'

const valid = {
  conversionId: 'c-1',
  occurredAt: 1_750_000_000_000,
  value: 10,
  currency: 'EUR',
  orderId: 'o-1',
}

const problems = (input: unknown) => {
  const result = conversionBody.safeParse(input)
  return result.success ? [] : [...new Set(result.error.issues.map((issue) => issue.path.join('.')))]
}

describe('conversionBody', () => {
  it('accepts a minimal conversion and defaults the line items', () => {
    expect(conversionBody.parse(valid)).toEqual({ ...valid, lineItems: [] })
  })

  it('normalises the e-mail before validating it', () => {
    expect(conversionBody.parse({ ...valid, email: ' Ada@Example.com ' }).email).toBe('ada@example.com')
    expect(problems({ ...valid, email: 'not-an-address' })).toEqual(['email'])
  })

  it('names each bad field', () => {
    expect(
      problems({
        ...valid,
        occurredAt: '2025-06-01T10:00:00',
        currency: 'eur',
        value: 2e9,
        lineItems: [{ productId: '', quantity: 0, value: 1 }],
        tenant_id: 'x',
      }),
    ).toEqual(['occurredAt', 'value', 'currency', 'lineItems.0.productId', 'lineItems.0.quantity', ''])
    expect(problems({ occurredAt: 1 })).toEqual(['conversionId', 'value', 'currency', 'orderId'])
  })
})

describe('occurredAtProblem', () => {
  const now = Date.parse('2025-06-10T00:00:00Z')
  it('refuses the far future and what is past retention', () => {
    expect(occurredAtProblem(now + 25 * 3_600_000, now)).toMatch(/future/)
    expect(occurredAtProblem(now - 731 * 86_400_000, now)).toMatch(/730 days/)
    expect(occurredAtProblem(now - 90 * 86_400_000, now)).toBeUndefined()
  })

  it('refuses a session token as chatSessionId, accepts the session id', () => {
    const token = newToken(SESSION_TOKEN_PREFIX, SESSION_TOKEN_BYTES)
    const refused = conversionBody.safeParse({ ...valid, chatSessionId: token })
    expect(refused.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['chatSessionId', SESSION_TOKEN_REFUSAL],
    ])
    const sessionId = randomUUID()
    expect(conversionBody.parse({ ...valid, chatSessionId: sessionId }).chatSessionId).toBe(sessionId)
  })
})
