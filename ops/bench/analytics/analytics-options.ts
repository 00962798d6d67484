import path from 'node:path'
import { parseArgs } from 'node:util'
import { ROOT } from '../support/processes.ts'

export interface AnalyticsOptions {
  events: number
  /** Orders (conversions as the conversions family counts them), across the whole history. */
  conversions: number
  days: number
  seed: number
  /** Timed requests per endpoint (and timed floor queries), after `warmup` unmeasured ones. */
  requests: number
  warmup: number
  /** Where the generated history lives; reused by later runs with the same parameters. */
  dataDir: string
}

export const ANALYTICS_USAGE = `usage: npm run bench -- analytics [options]
  --events <n>        events to generate (10000000)
  --conversions <n>   orders among them (200000)
  --days <n>          days of history, ending when generated (30)
  --seed <n>          generator seed (1)
  --requests <n>      timed requests per endpoint and timed floor queries (15)
  --warmup <n>        unmeasured requests before them (3)
  --data-dir <dir>    bench data directory (.tmp/bench-analytics/<events>-<conversions>-<days>d-s<seed>);
                      a directory holding a history generated with the same parameters is reused`

export function parseAnalyticsOptions(argv: string[]): AnalyticsOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      events: { type: 'string', default: '10000000' },
      conversions: { type: 'string', default: '200000' },
      days: { type: 'string', default: '30' },
      seed: { type: 'string', default: '1' },
      requests: { type: 'string', default: '15' },
      warmup: { type: 'string', default: '3' },
      'data-dir': { type: 'string' },
    },
  })
  const whole = (name: string, raw: string, min = 1): number => {
    const value = Number(raw)
    if (!Number.isInteger(value) || value < min)
      throw new Error(`--${name} ${raw}: expected an integer >= ${min}`)
    return value
  }
  const events = whole('events', values.events)
  const conversions = whole('conversions', values.conversions)
  if (conversions * 5 > events) {
    throw new Error(
      `--conversions ${conversions}: an order brings about 5 events; ask for at most events / 5`,
    )
  }
  const days = whole('days', values.days)
  const seed = whole('seed', values.seed, 0)
  return {
    events,
    conversions,
    days,
    seed,
    requests: whole('requests', values.requests),
    warmup: whole('warmup', values.warmup, 0),
    dataDir: path.resolve(
      values['data-dir'] ??
        path.join(ROOT, '.tmp/bench-analytics', `${events}-${conversions}-${days}d-s${seed}`),
    ),
  }
}
