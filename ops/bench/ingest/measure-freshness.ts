import { Partitioners } from 'kafkajs'
import { quantile, runLoad } from '../support/load.ts'
import { scrapeMetrics } from '../support/metrics.ts'
import { sleep } from '../support/processes.ts'
import { withProgress } from '../support/progress.ts'
import { BenchBodies } from './bench-events.ts'
import type { IngestOptions } from './ingest-options.ts'
import { beaconHeaders, type Target, waitForDrain } from './measure-throughput.ts'

export interface FreshnessResult {
  samples: number
  /** Samples not seen stored before the end of the phase's tail (counted as misses, not in quantiles). */
  unresolved: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  backgroundEventsPerSecond: number
}

const BACKGROUND_BATCH = 10
export const FRESHNESS_POLL_MS = 100
const TAIL_MS = 30_000

/**
 * Freshness: from a sampled event's 202 to the moment it is queryable, under a background load.
 *
 * No query API exists yet and chdb admits one process per data directory, so "queryable" is read from
 * `GET /metrics`. Per partition p, the sink's committed offset is at least (events 202'd in p) minus
 * (lag of p), and a sample's offset is below (events sent to p before its 202). So once
 * `acked[p] - lag[p] >= sent[p] at the sample's 202`, the sample is committed, hence inserted (the sink
 * commits only after a synchronous insert). This bounds freshness from above by the in-flight window
 * and the poll interval. Partitions follow the producer's key hash (kafkajs DefaultPartitioner on
 * event_id); the local log has one partition.
 */
export async function measureFreshness(
  target: Target,
  options: IngestOptions,
  batchedEventsPerSecond: number,
): Promise<FreshnessResult> {
  const base = (await waitForDrain(target.url)).metrics
  const partitions = Math.max(1, base.lag.size)
  const partitionOf = partitionerFor(partitions)
  const sent = new Array<number>(partitions).fill(0)
  const acked = new Array<number>(partitions).fill(0)
  const inFlight = new Map<string, number[]>()
  const bodies = new BenchBodies()
  const count = (ids: string[]) => {
    const perPartition = new Array<number>(partitions).fill(0)
    for (const id of ids) {
      const partition = partitionOf(id)
      perPartition[partition] = (perPartition[partition] ?? 0) + 1
    }
    return perPartition
  }
  const add = (into: number[], from: number[] | undefined) => {
    from?.forEach((value, p) => {
      into[p] = (into[p] ?? 0) + value
    })
  }

  const rate = Math.max(1, (batchedEventsPerSecond * options.freshnessLoad) / BACKGROUND_BATCH)
  const headers = beaconHeaders(target.publicKey)
  const pending: Array<{ partition: number; threshold: number; ackedAt: number }> = []
  const freshness: number[] = []
  let backgroundEvents = 0

  return withProgress('freshness under load', options.freshnessSeconds, 's', async (progress) => {
    const started = performance.now()
    const background = runLoad({
      url: target.url,
      path: '/v1/telemetry',
      headers,
      connections: Math.min(options.connections, 8),
      ratePerSec: rate,
      maxRequests: Number.MAX_SAFE_INTEGER,
      maxDurationMs: options.freshnessSeconds * 1000,
      body: (seq) => {
        const batch = bodies.batch(seq * BACKGROUND_BATCH, BACKGROUND_BATCH)
        inFlight.set(`b${seq}`, count(batch.ids))
        return batch.json
      },
      onSend: (seq) => add(sent, inFlight.get(`b${seq}`)),
      onResponse: (seq, status) => {
        if (status === 202) {
          add(acked, inFlight.get(`b${seq}`))
          backgroundEvents += BACKGROUND_BATCH
        }
        inFlight.delete(`b${seq}`)
      },
    })
    const sampler = runLoad({
      url: target.url,
      path: '/v1/telemetry',
      headers,
      connections: 1,
      ratePerSec: options.freshnessSamplesPerSecond,
      maxRequests: Number.MAX_SAFE_INTEGER,
      maxDurationMs: options.freshnessSeconds * 1000,
      body: (seq) => {
        const event = bodies.event(seq)
        inFlight.set(`s${seq}`, count(event.ids))
        return event.json
      },
      onSend: (seq) => add(sent, inFlight.get(`s${seq}`)),
      onResponse: (seq, status) => {
        const perPartition = inFlight.get(`s${seq}`) ?? []
        inFlight.delete(`s${seq}`)
        if (status !== 202) return
        add(acked, perPartition)
        const partition = perPartition.findIndex((n) => n > 0)
        pending.push({ partition, threshold: sent[partition] ?? 0, ackedAt: performance.now() })
      },
    })
    let loadDone = false
    const loads = Promise.all([background, sampler]).finally(() => {
      loadDone = true
    })

    let tailDeadline = Number.POSITIVE_INFINITY
    while (!loadDone || (pending.length > 0 && performance.now() < tailDeadline)) {
      if (loadDone && tailDeadline === Number.POSITIVE_INFINITY) tailDeadline = performance.now() + TAIL_MS
      await sleep(FRESHNESS_POLL_MS)
      const ackedBefore = [...acked]
      const metrics = await scrapeMetrics(target.url)
      for (let i = pending.length - 1; i >= 0; i -= 1) {
        const sample = pending[i] as (typeof pending)[number]
        if (sample.ackedAt > metrics.sentAt) continue
        const committedAtLeast =
          (ackedBefore[sample.partition] ?? 0) - (metrics.lag.get(sample.partition) ?? 0)
        if (committedAtLeast >= sample.threshold) {
          freshness.push(metrics.receivedAt - sample.ackedAt)
          pending.splice(i, 1)
        }
      }
      progress.update((performance.now() - started) / 1000, `(${freshness.length} samples stored)`)
    }
    const [backgroundLoad] = await loads
    freshness.sort((a, b) => a - b)
    return {
      samples: freshness.length + pending.length,
      unresolved: pending.length,
      p50Ms: quantile(freshness, 0.5),
      p99Ms: quantile(freshness, 0.99),
      maxMs: freshness.at(-1) ?? Number.NaN,
      backgroundEventsPerSecond: backgroundEvents / (backgroundLoad.elapsedMs / 1000),
    }
  })
}

/** The partition the product's producer picks for a key: kafkajs's DefaultPartitioner (murmur2). */
function partitionerFor(partitions: number): (key: string) => number {
  if (partitions === 1) return () => 0
  const partitioner = Partitioners.DefaultPartitioner()
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
  }))
  return (key) => partitioner({ topic: 'events', partitionMetadata, message: { key, value: null } })
}
