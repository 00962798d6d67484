import { describe, expect, it } from 'vitest'
import {
  BlockedAddressError,
  blockedLiteral,
  isPublicAddress,
  resolveAllowedAddresses,
} from './public-address.ts'

describe('public address policy', () => {
  it('admits global unicast only', () => {
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111'])
      expect(isPublicAddress(address), address).toBe(true)
    for (const address of [
      '0.0.0.0',
      '127.0.0.53',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.0.1',
      '100.64.0.1',
      '169.254.169.254',
      '224.0.0.1',
      '255.255.255.255',
      '::',
      '::1',
      'fe80::1',
      'fc00::1',
      'fd12:3456::1',
      'ff02::1',
      '::ffff:10.0.0.1',
      '::ffff:169.254.169.254',
      '64:ff9b::a00:1',
      'not an ip',
    ])
      expect(isPublicAddress(address), address).toBe(false)
  })

  it('refuses private IP literals in URLs unless allowed', () => {
    expect(blockedLiteral(new URL('http://127.0.0.1:8080/x'), { allowPrivateNetworks: false })).toBe(true)
    expect(blockedLiteral(new URL('http://[::1]/x'), { allowPrivateNetworks: false })).toBe(true)
    expect(blockedLiteral(new URL('http://127.0.0.1/x'), { allowPrivateNetworks: true })).toBe(false)
    expect(blockedLiteral(new URL('https://hooks.shop.example/x'), { allowPrivateNetworks: false })).toBe(
      false,
    )
  })

  it('checks every resolved address of a name', async () => {
    const resolveHost = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.5', family: 4 },
    ]
    await expect(
      resolveAllowedAddresses('hooks.shop.example', { allowPrivateNetworks: false, resolveHost }),
    ).rejects.toBeInstanceOf(BlockedAddressError)
    await expect(
      resolveAllowedAddresses('hooks.shop.example', { allowPrivateNetworks: true, resolveHost }),
    ).resolves.toHaveLength(2)
  })
})
