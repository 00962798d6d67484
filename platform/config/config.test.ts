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
  ])('names %s when it is %s', (name, value) => {
    expect(() => loadConfig({ [name]: value, COMERIX_SECRET: 'x'.repeat(32) })).toThrowError(
      new RegExp(`${name}=`),
    )
  })

  it('requires a shared secret in distributed mode', () => {
    expect(() => loadConfig({ REDIS_URL: 'redis://r:6379' })).toThrowError(ConfigError)
    expect(() => loadConfig({ REDIS_URL: 'redis://r:6379' })).toThrowError(/COMERIX_SECRET/)
  })
})
