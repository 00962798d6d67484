import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { newWebhookSecret, signWebhook, verifyWebhook } from './webhook-signature.ts'

describe('Standard Webhooks signature', () => {
  it('matches the reference construction: base64 HMAC-SHA256 of id.timestamp.body with the decoded key', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
    const body = Buffer.from('{"test": 2432232314}')
    const headers = signWebhook(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, body)
    // The example published with the Standard Webhooks specification.
    expect(headers['webhook-signature']).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=')
  })

  it('verifies its own signatures over binary bodies and refuses tampering, other keys and stale timestamps', () => {
    const secret = newWebhookSecret()
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/)
    const body = Buffer.from([0, 255, 10, 13, 80, 75])
    const headers = signWebhook(secret, 'run-1', 1_800_000_000, body)
    expect(verifyWebhook(secret, { ...headers }, body, 1_800_000_010)).toBe(true)
    expect(verifyWebhook(secret, { ...headers }, Buffer.from('other'), 1_800_000_010)).toBe(false)
    expect(verifyWebhook(newWebhookSecret(), { ...headers }, body, 1_800_000_010)).toBe(false)
    expect(verifyWebhook(secret, { ...headers }, body, 1_800_001_000)).toBe(false)
    expect(verifyWebhook(secret, { ...headers, 'webhook-id': 'run-2' }, body, 1_800_000_010)).toBe(false)
  })

  it('accepts any matching signature among several (key rotation)', () => {
    const secret = newWebhookSecret()
    const body = Buffer.from('x')
    const headers = signWebhook(secret, 'id', 100, body)
    const other = createHmac('sha256', 'k').update('x').digest('base64')
    const rotated = { ...headers, 'webhook-signature': `v1,${other} ${headers['webhook-signature']}` }
    expect(verifyWebhook(secret, rotated, body, 100)).toBe(true)
  })

  it('signs with every secret of a rotation overlap, so a receiver holding either one verifies', () => {
    const [current, previous] = [newWebhookSecret(), newWebhookSecret()]
    const body = Buffer.from('{"type":"x"}')
    const headers = signWebhook([current, previous], 'msg', 200, body)
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2)
    expect(verifyWebhook(current, { ...headers }, body, 200)).toBe(true)
    expect(verifyWebhook(previous, { ...headers }, body, 200)).toBe(true)
    expect(verifyWebhook(newWebhookSecret(), { ...headers }, body, 200)).toBe(false)
  })
})
