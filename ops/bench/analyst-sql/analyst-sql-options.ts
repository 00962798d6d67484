import { parseArgs } from 'node:util'

export interface AnalystSqlOptions {
  events: number
  requests: number
  warmup: number
  /** Seconds of freshness probes in each phase (idle, then under a heavy analyst query). */
  probeSeconds: number
  /** The analyst endpoint's max_execution_time for the run (ANALYST_SQL_MAX_EXECUTION_SECONDS). */
  maxExecutionSeconds: number
}

export const ANALYST_SQL_USAGE = `usage: npm run bench -- analyst-sql [options]
  --events <n>                 events of the bench tenant (200000)
  --requests <n>               timed queries per path (300)
  --warmup <n>                 unmeasured queries before them (20)
  --probe-seconds <n>          freshness probes per phase (15)
  --max-execution-seconds <n>  the endpoint's query time limit (5): bounds how long a heavy query holds the sink`

export function parseAnalystSqlOptions(argv: string[]): AnalystSqlOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      events: { type: 'string', default: '200000' },
      requests: { type: 'string', default: '300' },
      warmup: { type: 'string', default: '20' },
      'probe-seconds': { type: 'string', default: '15' },
      'max-execution-seconds': { type: 'string', default: '5' },
    },
  })
  const positive = (name: string, value: string | undefined) => {
    const number = Number(value)
    if (!Number.isInteger(number) || number < 1) throw new Error(`--${name} expects a positive integer`)
    return number
  }
  return {
    events: positive('events', values.events),
    requests: positive('requests', values.requests),
    warmup: positive('warmup', values.warmup),
    probeSeconds: positive('probe-seconds', values['probe-seconds']),
    maxExecutionSeconds: positive('max-execution-seconds', values['max-execution-seconds']),
  }
}
