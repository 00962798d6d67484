import { describe, expect, it } from 'vitest'
import { isOriginAllowed, normaliseAllowedOrigin } from './origins.ts'

describe('normaliseAllowedOrigin', () => {
  it.each([
    ['https://shop.example', 'https://shop.example'],
    ['HTTPS://Shop.Example:443', 'https://shop.example'],
    ['http://localhost:8080', 'http://localhost:8080'],
    ['https://*.shop.com', 'https://*.shop.com'],
  ])('accepts %s as %s', (input, expected) => {
    expect(normaliseAllowedOrigin(input)).toBe(expected)
  })

  it.each([
    'shop.example',
    'https://shop.example/path',
    'ftp://shop.example',
    '*',
    'https://*',
    'https://a.*.com',
  ])('refuses %s', (input) => {
    expect(normaliseAllowedOrigin(input)).toBeUndefined()
  })
})

describe('isOriginAllowed', () => {
  const allowed = ['https://shop.example', 'http://localhost:8080', 'https://*.shop.com']

  it.each([
    ['https://shop.example', true],
    ['https://shop.example:443', true],
    ['http://shop.example', false],
    ['https://shop.example:8443', false],
    ['https://evil-shop.example', false],
    ['http://localhost:8080', true],
    ['http://localhost:8081', false],
    ['https://eu.shop.com', true],
    ['https://a.b.shop.com', true],
    ['https://shop.com', false],
    ['https://evilshop.com', false],
    ['http://eu.shop.com', false],
    ['null', false],
  ])('%s -> %s', (origin, expected) => {
    expect(isOriginAllowed(allowed, origin)).toBe(expected)
  })

  it('refuses a request without an Origin', () => {
    expect(isOriginAllowed(allowed, undefined)).toBe(false)
  })
})
