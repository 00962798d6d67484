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

  // Every IPv6 form that carries an IPv4 address is as public as that address, whatever the spelling.
  it.each([
    ['IPv4-compatible loopback', '::127.0.0.1', false],
    ['IPv4-compatible, hex spelling', '::7f00:1', false],
    ['IPv4-compatible metadata address', '::169.254.169.254', false],
    ['IPv4-compatible metadata, hex spelling', '::a9fe:a9fe', false],
    ['IPv4-compatible private', '0:0:0:0:0:0:10.0.0.1', false],
    ['IPv4-compatible public', '::8.8.8.8', true],
    ['IPv4-mapped loopback', '::ffff:127.0.0.1', false],
    ['IPv4-mapped loopback, hex spelling', '::ffff:7f00:1', false],
    ['IPv4-mapped loopback, full spelling', '0:0:0:0:0:ffff:7f00:0001', false],
    ['IPv4-mapped public', '::ffff:8.8.8.8', true],
    ['IPv4-translated loopback (RFC 6145)', '::ffff:0:127.0.0.1', false],
    ['IPv4-translated public', '::ffff:0:808:808', true],
    ['NAT64 well-known prefix, loopback', '64:ff9b::127.0.0.1', false],
    ['NAT64 well-known prefix, metadata', '64:ff9b::a9fe:a9fe', false],
    ['NAT64 well-known prefix, public', '64:ff9b::8.8.8.8', true],
    ['NAT64 local-use prefix (RFC 8215)', '64:ff9b:1::808:808', false],
    ['NAT64 local-use prefix, private', '64:ff9b:1:a00:1::', false],
    ['6to4 of loopback', '2002:7f00:1::1', false],
    ['6to4 of a private network', '2002:c0a8:101::1', false],
    ['6to4 of a public address', '2002:808:808::1', true],
    ['Teredo with a loopback client', '2001:0:4136:e378:8000:63bf:80ff:fffe', false],
    ['Teredo with a metadata client', '2001:0:4136:e378:8000:63bf:5601:5601', false],
    ['Teredo with a private server', '2001:0:a00:1:8000:63bf:f7f7:f7f7', false],
    ['Teredo with public server and client', '2001:0:808:808:8000:63bf:f7f7:f7f7', true],
    ['ISATAP interface id of loopback', '2606:4700::5efe:7f00:1', false],
    ['ISATAP (u bit set) of a private address', '2606:4700::200:5efe:a00:1', false],
    ['ISATAP, link-local prefix', 'fe80::5efe:808:808', false],
    ['ISATAP of a public address under a global prefix', '2606:4700::200:5efe:808:808', true],
    ['unspecified', '::', false],
    ['loopback', '::1', false],
    ['global unicast without an embedded address', '2606:4700:4700::1111', true],
  ])('%s (%s) public: %s', (_label, address, expected) => {
    expect(isPublicAddress(address)).toBe(expected)
  })

  it('refuses IPv6 URL literals that embed a private IPv4 address', () => {
    for (const url of [
      'http://[::127.0.0.1]:8080/',
      'http://[::169.254.169.254]/latest/meta-data',
      'http://[::ffff:7f00:1]/',
      'http://[64:ff9b::7f00:1]/',
      'http://[2002:7f00:1::1]/',
    ])
      expect(blockedLiteral(new URL(url), { allowPrivateNetworks: false }), url).toBe(true)
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

  it('refuses a name that resolves to an IPv6 address embedding a private IPv4 address', async () => {
    for (const address of ['::7f00:1', '::a9fe:a9fe', '::ffff:169.254.169.254', '64:ff9b::a00:1']) {
      const resolveHost = async () => [{ address, family: 6 }]
      await expect(
        resolveAllowedAddresses('hooks.shop.example', { allowPrivateNetworks: false, resolveHost }),
        address,
      ).rejects.toBeInstanceOf(BlockedAddressError)
    }
  })
})
