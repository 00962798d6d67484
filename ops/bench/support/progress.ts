import cliProgress from 'cli-progress'

export interface Progress {
  update(value: number, status?: string): void
}

/**
 * Runs `work` under a progress bar on stderr (stdout keeps only the report). `total` is in `unit`;
 * time-based phases pass seconds and let `tickSeconds` move the bar.
 */
export async function withProgress<T>(
  label: string,
  total: number,
  unit: string,
  work: (progress: Progress) => Promise<T>,
  options: { tickSeconds?: boolean } = {},
): Promise<T> {
  const bar = new cliProgress.SingleBar(
    {
      format: `  ${label.padEnd(28)} [{bar}] {value}/{total} ${unit} {status}`,
      hideCursor: true,
      clearOnComplete: true,
      stream: process.stderr,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  )
  bar.start(total, 0, { status: '' })
  const started = performance.now()
  const ticker = options.tickSeconds
    ? setInterval(() => bar.update(Math.min(total, Math.round((performance.now() - started) / 1000))), 250)
    : undefined
  try {
    return await work({
      update: (value, status) => bar.update(Math.min(total, Math.round(value)), { status: status ?? '' }),
    })
  } finally {
    if (ticker) clearInterval(ticker)
    bar.stop()
  }
}

/** One line on stderr between progress bars: what the bench is doing now. */
export function note(message: string): void {
  process.stderr.write(`  ${message}\n`)
}
