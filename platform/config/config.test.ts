import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from './config.ts'

describe('loadConfig', () => {
  it('gives an embedded configuration when nothing is set', () => {
    const config = loadConfig({})
    expect(config.port).toBe(3000)
    expect(config.clickhouse.url).toBeUndefined()
    expect(config.kafka.brokers).toBeUndefined()
    expect(config.redisUrl).toBeUndefined()
    expect(config.roles).toEqual(['api', 'sink', 'worker', 'scheduler'])
  })

  it('parses distributed settings', () => {
    const config = loadConfig({
      CLICKHOUSE_URL: 'http://ch:8123',
      KAFKA_BROKERS: 'k1:9092, k2:9092',
      REDIS_URL: 'redis://r:6379',
      ROLES: 'api,sink',
      COMERIX_SECRET: 'x'.repeat(32),
    })
    expect(config.kafka.brokers).toEqual(['k1:9092', 'k2:9092'])
    expect(config.roles).toEqual(['api', 'sink'])
  })

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['CLICKHOUSE_URL', 'ch:8123'],
    ['KAFKA_BROKERS', 'kafka'],
    ['REDIS_URL', 'http://redis'],
    ['ROLES', 'api,cook'],
    ['LOG_LEVEL', 'loud'],
    ['CLICKHOUSE_DATABASE', 'bad-name;'],
    ['HTTP_REQUEST_TIMEOUT_MS', '5s'],
    ['HTTP_HEADERS_TIMEOUT_MS', '10'],
    ['HTTP_CONNECTION_TIMEOUT_MS', '-1'],
    ['HTTP_KEEP_ALIVE_TIMEOUT_MS', 'forever'],
    ['CHAT_SESSIONS_PER_MINUTE_PER_IP', '0'],
    ['CHAT_SESSIONS_PER_MINUTE_PER_KEY', 'many'],
    ['CHAT_TRIGGERS_PER_MINUTE_PER_SESSION', '1.5'],
  ])('names %s when it is %s', (name, value) => {
    expect(() => loadConfig({ [name]: value, COMERIX_SECRET: 'x'.repeat(32) })).toThrowError(
      new RegExp(`${name}=`),
    )
  })

  it('gives the HTTP server timeouts, and refuses headers allowed longer than the whole request', () => {
    expect(loadConfig({}).http).toEqual({
      requestTimeoutMs: 60_000,
      headersTimeoutMs: 15_000,
      connectionTimeoutMs: 120_000,
      keepAliveTimeoutMs: 72_000,
    })
    const misordered = { HTTP_REQUEST_TIMEOUT_MS: '1000', HTTP_HEADERS_TIMEOUT_MS: '2000' }
    expect(() => loadConfig(misordered)).toThrowError(ConfigError)
    expect(() => loadConfig(misordered)).toThrowError(
      /HTTP_HEADERS_TIMEOUT_MS=2000 .*HTTP_REQUEST_TIMEOUT_MS=1000/,
    )
  })

  it('requires a shared secret in distributed mode', () => {
    expect(() => loadConfig({ REDIS_URL: 'redis://r:6379' })).toThrowError(ConfigError)
    expect(() => loadConfig({ REDIS_URL: 'redis://r:6379' })).toThrowError(/COMERIX_SECRET/)
  })
})
