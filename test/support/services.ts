/**
 * Which real services this test run can use. Suites that need Redis or Kafka call `serviceUrl`: without
 * the service they are skipped (and say so), unless REQUIRE_SERVICES=1, where a missing service fails.
 */
const SERVICES = {
  redis: { env: 'REDIS_URL', start: 'bash ops/services.sh start redis' },
  kafka: { env: 'KAFKA_BROKERS', start: 'bash ops/services.sh start kafka' },
} as const

export type ServiceName = keyof typeof SERVICES

export function serviceUrl(name: ServiceName): string | undefined {
  const service = SERVICES[name]
  const value = process.env[service.env]
  if (value) return value
  if (process.env.REQUIRE_SERVICES === '1') {
    throw new Error(`REQUIRE_SERVICES=1 but ${service.env} is unset: start it with \`${service.start}\``)
  }
  return undefined
}

export function skipNotice(name: ServiceName): string {
  const service = SERVICES[name]
  return `skipped: needs ${name} (${service.env}); run \`${service.start}\` and export what it prints`
}
