import cliProgress from 'cli-progress'
import type { GenerationPhase, GenerationProgress } from '../demo/generate/demo-generator.ts'
import type { GenerationInput } from '../demo/generate/generation-options.ts'
import type { GenerationSummary } from '../demo/generate/generation-summary.ts'
import { generateRemotely } from '../demo/generate/remote-generate.ts'
import type { Config } from '../platform/config/config.ts'
import { createLogger } from '../platform/log/logger.ts'
import { loadOperatorToken } from '../platform/tenancy/operator-token.ts'
import { createApp } from './create-app.ts'
import { findRunningServer } from './with-operator.ts'

const PHASE_LABELS: Record<GenerationPhase, { label: string; unit: string }> = {
  publish: { label: 'generate + publish', unit: 'visitors' },
  store: { label: 'stored by the sink', unit: 'events' },
  insert: { label: 'generate + insert', unit: 'visitors' },
}

/**
 * `comerix demo:generate`. A running embedded server owns the data directory (chdb admits one process),
 * so the generation runs inside it, behind an operator route that streams progress. Otherwise this
 * process opens the stores and publishes itself; with the local event log nobody else can consume it,
 * so it runs the sink too. With Kafka, the installation's sink processes store the events.
 */
export async function demoGenerate(config: Config, input: GenerationInput): Promise<GenerationSummary> {
  const bar = progressBar()
  try {
    const running = config.clickhouse.url === undefined ? await findRunningServer(config.dataDir) : undefined
    if (running) return await generateRemotely(running, await loadOperatorToken(config), input, bar.update)
    const ownSink = config.kafka.brokers === undefined
    const app = await createApp(
      { ...config, roles: ownSink ? ['sink'] : ['api'] },
      createLogger({ logLevel: 'warn' }, 2),
    )
    try {
      return await app.demoGenerator.run(await app.demoGenerator.prepare(input), bar.update)
    } finally {
      await app.close()
    }
  } finally {
    bar.stop()
  }
}

/** One bar on stderr per phase (stdout keeps the summary, which `--json` makes machine-readable). */
function progressBar(): { update: (progress: GenerationProgress) => void; stop: () => void } {
  let phase: GenerationPhase | undefined
  let bar: cliProgress.SingleBar | undefined
  return {
    update(progress) {
      if (progress.phase !== phase) {
        bar?.stop()
        phase = progress.phase
        const { label, unit } = PHASE_LABELS[phase]
        bar = new cliProgress.SingleBar(
          {
            format: `  ${label.padEnd(20)} [{bar}] {value}/{total} ${unit} {percentage}% {eta_formatted}`,
            hideCursor: true,
            stream: process.stderr,
            etaBuffer: 20,
          },
          cliProgress.Presets.shades_classic,
        )
        bar.start(progress.total, 0)
      }
      bar?.setTotal(progress.total)
      bar?.update(progress.done)
    },
    stop: () => bar?.stop(),
  }
}
