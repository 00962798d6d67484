import { describe, expect, it } from 'vitest'
import { conversionEventId, conversionRow } from './conversion-row.ts'
import { conversionBody } from './conversion-schema.ts'
import { createEmailHasher } from './email-hasher.ts'

const TENANT = '7d3f0c1e-2a4b-4c5d-8e9f-0a1b2c3d4e5f'
const OTHER = '0b9e8d7c-6b5a-4f3e-9d2c-1b0a9f8e7d6c'
const hasher = createEmailHasher(Buffer.alloc(32, 7))
const context = {
  tenantId: TENANT,
  receivedAt: 1_750_000_000_000,
  emailHash: (e: string) => hasher.hash(TENANT, e),
}

const body = (overrides: Record<string, unknown> = {}) =>
  conversionBody.parse({
    conversionId: 'conv-1',
    occurredAt: '2025-06-01T12:00:00+02:00',
    value: 59.9,
    currency: 'EUR',
    orderId: 'o-1001',
    ...overrides,
  })

describe('conversionRow', () => {
  it('builds the conversion event of events.md with money in micros', () => {
    const row = conversionRow(
      body({
        chatSessionId: 'cs-1',
        customerId: 'cust-9',
        lineItems: [{ productId: 'sku-1', quantity: 2, value: 19.99 }],
      }),
      context,
    )
    expect(row).toMatchObject({
      tenant_id: TENANT,
      type: 'conversion',
      source: 'backend',
      ts: Date.parse('2025-06-01T10:00:00Z'),
      received_at: context.receivedAt,
      chat_session_id: 'cs-1',
      customer_id: 'cust-9',
      anonymous_id: '',
      value_micros: 59_900_000,
      currency: 'EUR',
    })
    expect(JSON.parse(row.props)).toEqual({
      conversion_id: 'conv-1',
      order_id: 'o-1001',
      email_hash: '',
      line_items: [{ product_id: 'sku-1', quantity: 2, value_micros: 19_990_000 }],
    })
  })

  it('keeps a refund negative', () => {
    expect(conversionRow(body({ conversionId: 'refund-1', value: -20 }), context).value_micros).toBe(
      -20_000_000,
    )
  })

  it('gives every resend of a conversionId the same event id, distinct per tenant and per id', () => {
    const id = conversionEventId(TENANT, 'conv-1')
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(conversionRow(body(), context).event_id).toBe(id)
    expect(conversionEventId(TENANT, 'conv-2')).not.toBe(id)
    expect(conversionEventId(OTHER, 'conv-1')).not.toBe(id)
  })

  it('stores only the salted hash of the normalised e-mail, never the address', () => {
    const row = conversionRow(body({ email: '  Ada@Example.COM ' }), context)
    const hash = JSON.parse(row.props).email_hash
    expect(hash).toMatch(/^[0-9a-f]{64}$/)
    expect(hash).toBe(hasher.hash(TENANT, 'ada@example.com'))
    expect(hash).not.toBe(hasher.hash(OTHER, 'ada@example.com'))
    expect(JSON.stringify(row).toLowerCase()).not.toContain('example.com')
  })
})
