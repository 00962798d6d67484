import type { Config } from '../../platform/config/config.ts'
import type { SecretBox } from '../../platform/crypto/secret-box.ts'
import { postSigned } from '../../platform/http/post-signed.ts'
import type { Logger } from '../../platform/log/logger.ts'
import { backoffMs, type ClaimedJob, type StateStore } from '../../platform/state/state-store.ts'
import type { AttemptLog, AttemptRow } from './attempt-log.ts'
import { type EndpointService, type LiveEndpoint, signingSecrets } from './endpoint-service.ts'
import { decideAfterAttempt } from './retry-policy.ts'
import { sessionEvent } from './session-events.ts'
import type { WebhookEmitter } from './webhook-emitter.ts'
import { openEventBody, WEBHOOK_QUEUE, type WebhookJob } from './webhook-job.ts'
import type { WebhookMetrics } from './webhook-metrics.ts'

export interface WebhookWorkerDeps {
  state: StateStore
  endpoints: EndpointService
  emitter: WebhookEmitter
  attempts: AttemptLog
  secretBox: SecretBox
  metrics: WebhookMetrics
  config: Config['webhooks']
  allowPrivateNetworks: boolean
  logger: Logger
  concurrency?: number
}

type Deliver = Extract<WebhookJob, { kind: 'deliver' }>

const IDLE_POLL_MS = 100
const MAX_FAILED_POLL_MS = 2_000
const RESPONSE_EXCERPT_BYTES = 2_048
const FAILING_SINCE_TTL_MS = 30 * 24 * 60 * 60 * 1000

/**
 * The `worker` role's webhook side: claims due jobs from the state port's `webhooks` queue and POSTs each
 * event, signed, to its endpoint. At least once: a job is acknowledged only after its attempt is in the
 * delivery log, and a worker killed mid-attempt loses its lease, so another claims the job again. Jobs
 * of one execution (or session) claimed together are sent one after the other, in the order they
 * happened; different executions and endpoints go out in parallel, up to `concurrency` at once.
 */
export class WebhookWorker {
  private running = false
  private loop: Promise<void> | undefined
  private readonly inFlight = new Set<Promise<void>>()
  private readonly slots: number
  private readonly leaseMs: number

  constructor(private readonly deps: WebhookWorkerDeps) {
    this.slots = deps.concurrency ?? 16
    // A claim's jobs may all be one execution's, sent in turn: the lease covers every one timing out.
    this.leaseMs = deps.config.timeoutMs * this.slots + 10_000
  }

  start(): void {
    this.running = true
    this.loop = this.poll()
  }

  async stop(): Promise<void> {
    this.running = false
    await this.loop
  }

  private async poll(): Promise<void> {
    let failedPolls = 0
    while (this.running) {
      let claimed = 0
      const free = this.slots - this.inFlight.size
      if (free > 0) {
        try {
          const jobs = await this.deps.state.claim(WEBHOOK_QUEUE, { limit: free, leaseMs: this.leaseMs })
          for (const group of inOrder(jobs)) this.track(group)
          claimed = jobs.length
          failedPolls = 0
        } catch (error) {
          if (failedPolls === 0)
            this.deps.logger.error({ err: error }, 'webhook worker poll failed; backing off')
          failedPolls += 1
        }
      }
      if (claimed === 0 || this.inFlight.size >= this.slots) {
        const pause = Math.min(IDLE_POLL_MS * 2 ** failedPolls, MAX_FAILED_POLL_MS)
        await Promise.race([new Promise((resolve) => setTimeout(resolve, pause)), ...this.inFlight])
      }
    }
    await Promise.all(this.inFlight)
  }

  private track(group: Array<{ job: ClaimedJob; payload: WebhookJob | undefined }>): void {
    const task: Promise<void> = (async () => {
      for (const entry of group) await this.handle(entry.job, entry.payload)
    })()
      .catch((error) => this.deps.logger.error({ err: error }, 'webhook job not settled'))
      .finally(() => this.inFlight.delete(task))
    this.inFlight.add(task)
  }

  private async handle(job: ClaimedJob, payload: WebhookJob | undefined): Promise<void> {
    const { state, logger } = this.deps
    try {
      if (!payload) {
        logger.error({ job: job.id }, 'webhook job unreadable; dropped')
        await state.ack(WEBHOOK_QUEUE, job)
        return
      }
      if (payload.kind === 'session-expiry') {
        await this.deps.emitter.emit(
          payload.tenantId,
          [sessionEvent('chat.session.expired', payload.tenantId, payload.session)],
          payload.session.sessionId,
        )
        await state.ack(WEBHOOK_QUEUE, job)
        return
      }
      await this.deliver(job, payload)
    } catch (error) {
      // The attempt could not be logged or the job settled (ClickHouse or state down): try again later.
      logger.warn({ err: error, job: job.id, attempt: job.attempt }, 'webhook job failed; retrying')
      await state.retry(WEBHOOK_QUEUE, job, backoffMs(job.attempt, 1_000, 60_000)).catch(() => undefined)
    }
  }

  private async deliver(job: ClaimedJob, payload: Deliver): Promise<void> {
    const { state, endpoints, config, metrics } = this.deps
    const endpoint = await endpoints.liveEndpoint(payload.tenantId, payload.endpointId)
    const now = Date.now()
    const base = {
      tenant_id: payload.tenantId,
      endpoint_id: payload.endpointId,
      message_id: payload.messageId,
      event_type: payload.eventType,
      trigger: payload.trigger,
      attempt: job.attempt,
      attempted_at: now,
    }
    const message =
      job.attempt === 1 && payload.trigger !== 'replay'
        ? {
            tenant_id: payload.tenantId,
            message_id: payload.messageId,
            event_type: payload.eventType,
            payload_sealed: payload.sealed,
            created_at: now,
          }
        : undefined
    if (!endpoint?.enabled) {
      // A deleted endpoint's deliveries end silently; a disabled one's are logged, for replay once re-enabled.
      if (endpoint) await this.log({ ...base, ...skipped('the endpoint is disabled') }, message)
      await state.ack(WEBHOOK_QUEUE, job)
      return
    }
    const body = openEventBody(this.deps.secretBox, payload.tenantId, payload.messageId, payload.sealed)
    const outcome = await postSigned(
      {
        url: endpoint.url,
        secrets: signingSecrets(endpoint, now),
        messageId: payload.messageId,
        body: Buffer.from(body),
        contentType: 'application/json',
        headers: { 'user-agent': 'Comerix-Webhooks/1' },
      },
      {
        policy: { allowPrivateNetworks: this.deps.allowPrivateNetworks },
        timeoutMs: config.timeoutMs,
        maxResponseBytes: RESPONSE_EXCERPT_BYTES,
      },
    )
    const decision = decideAfterAttempt(outcome, job.attempt, config.retryScheduleMs)
    metrics.attempts.inc({ outcome: decision.kind })
    metrics.latency.observe(outcome.latencyMs / 1000)
    await this.log(
      {
        ...base,
        status:
          decision.kind === 'delivered' ? 'delivered' : decision.kind === 'retry' ? 'retrying' : 'failed',
        http_status: outcome.status,
        latency_ms: outcome.latencyMs,
        error: outcome.error,
        response_excerpt: outcome.responseExcerpt,
        next_attempt_at: decision.kind === 'retry' ? now + decision.delayMs : null,
      },
      message,
    )
    switch (decision.kind) {
      case 'delivered':
        await state.ack(WEBHOOK_QUEUE, job)
        // A read, not a write, on the common path: the key exists only while the endpoint is failing.
        if ((await state.get(failingKey(endpoint.endpointId))) !== null)
          await state.delete(failingKey(endpoint.endpointId))
        return
      case 'retry':
        await state.retry(WEBHOOK_QUEUE, job, decision.delayMs)
        await this.noteFailure(endpoint, now)
        return
      case 'failed':
        await state.ack(WEBHOOK_QUEUE, job)
        await this.noteFailure(endpoint, now)
        return
      case 'gone':
        await state.ack(WEBHOOK_QUEUE, job)
        await this.disable(endpoint, 'gone')
        return
    }
  }

  private log(
    row: Omit<AttemptRow, 'status'> & { status: AttemptRow['status'] },
    message?: Parameters<AttemptLog['record']>[1],
  ) {
    return this.deps.attempts.record(row, message)
  }

  /** Every attempt failing since the first failure after the last success, for days: disabled. */
  private async noteFailure(endpoint: LiveEndpoint, now: number): Promise<void> {
    const key = failingKey(endpoint.endpointId)
    await this.deps.state.setIfAbsent(key, String(now), { ttlMs: FAILING_SINCE_TTL_MS })
    const since = Number(await this.deps.state.get(key))
    if (Number.isFinite(since) && now - since >= this.deps.config.disableAfterMs) {
      await this.disable(endpoint, 'failing')
      await this.deps.state.delete(key)
    }
  }

  private async disable(endpoint: LiveEndpoint, reason: 'gone' | 'failing'): Promise<void> {
    if (await this.deps.endpoints.disable(endpoint.tenantId, endpoint.endpointId, reason)) {
      this.deps.metrics.disabled.inc({ reason })
      this.deps.logger.warn(
        { tenantId: endpoint.tenantId, endpointId: endpoint.endpointId, reason },
        'webhook endpoint disabled',
      )
    }
  }
}

const failingKey = (endpointId: string) => `webhook:failing-since:${endpointId}`

function skipped(error: string) {
  return {
    status: 'failed' as const,
    http_status: 0,
    latency_ms: 0,
    error,
    response_excerpt: '',
    next_attempt_at: null,
  }
}

/**
 * Claimed jobs grouped so each group runs one job after another: deliveries sharing an endpoint and an
 * order key (one execution's events), in the order they happened; every other job alone.
 */
function inOrder(jobs: ClaimedJob[]): Array<Array<{ job: ClaimedJob; payload: WebhookJob | undefined }>> {
  const groups = new Map<string, Array<{ job: ClaimedJob; payload: WebhookJob | undefined }>>()
  for (const job of jobs) {
    const payload = parseJob(job.payload)
    const key = payload?.kind === 'deliver' ? `${payload.endpointId}:${payload.orderKey}` : job.id
    const group = groups.get(key) ?? []
    group.push({ job, payload })
    groups.set(key, group)
  }
  for (const group of groups.values()) {
    group.sort((a, b) => orderOf(a.payload) - orderOf(b.payload))
  }
  return [...groups.values()]
}

const orderOf = (payload: WebhookJob | undefined) => (payload?.kind === 'deliver' ? payload.order : 0)

function parseJob(text: string): WebhookJob | undefined {
  try {
    return JSON.parse(text) as WebhookJob
  } catch {
    return undefined
  }
}
