export default function announceServices(): void {
  const missing = [
    ['REDIS_URL', 'Redis adapter suites'],
    ['KAFKA_BROKERS', 'Kafka adapter suites'],
  ].filter(([name]) => !process.env[name as string])
  if (missing.length === 0 || process.env.REQUIRE_SERVICES === '1') return
  const lines = missing.map(([name, suites]) => `  - ${suites} are SKIPPED: ${name} is unset`)
  console.warn(
    [
      '',
      'Service suites:',
      ...lines,
      '  Run them with: eval "$(bash ops/services.sh start)" && REQUIRE_SERVICES=1 npm test',
      '',
    ].join('\n'),
  )
}
