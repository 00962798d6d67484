import { AppError } from '../errors/catalog.ts'
import { sha256Hex } from '../ids.ts'
import type { StateStore } from '../state/state-store.ts'

interface IdempotencyRecord {
  state: 'in_flight' | 'done'
  bodyHash: string
  response?: unknown
}

const IN_FLIGHT_TTL_MS = 60_000
const DONE_TTL_MS = 24 * 60 * 60 * 1000

/**
 * `Idempotency-Key` semantics on the state port: the same key with the same body replays the first
 * answer; with another body it is refused (422); while the first request runs, a repeat gets 409.
 */
export class Idempotency {
  constructor(private readonly state: StateStore) {}

  async run<T>(scope: string, key: string | undefined, body: unknown, handle: () => Promise<T>): Promise<T> {
    if (key === undefined) return handle()
    if (key.length > 200)
      throw new AppError('bad_request', 'the Idempotency-Key header is longer than 200 characters')
    const stateKey = `idempotency:${scope}:${sha256Hex(key)}`
    const bodyHash = sha256Hex(fingerprintText(body))
    const claim: IdempotencyRecord = { state: 'in_flight', bodyHash }
    if (!(await this.state.setIfAbsent(stateKey, JSON.stringify(claim), { ttlMs: IN_FLIGHT_TTL_MS }))) {
      const existing = JSON.parse((await this.state.get(stateKey)) ?? 'null') as IdempotencyRecord | null
      if (existing === null) return this.run(scope, key, body, handle)
      if (existing.bodyHash !== bodyHash) throw new AppError('idempotency_key_reused')
      if (existing.state === 'in_flight') throw new AppError('idempotency_in_flight')
      return existing.response as T
    }
    try {
      const response = await handle()
      const done: IdempotencyRecord = { state: 'done', bodyHash, response }
      await this.state.set(stateKey, JSON.stringify(done), { ttlMs: DONE_TTL_MS })
      return response
    } catch (error) {
      // A refused request may be sent again with the same key once fixed.
      await this.state.delete(stateKey)
      throw error
    }
  }
}

/**
 * The body as JSON text for its hash. Bodies are depth-checked when parsed, but a body that still
 * cannot be serialised (too deep for JSON.stringify's recursion) must be a 400, never a 500.
 */
function fingerprintText(body: unknown): string {
  try {
    return JSON.stringify(body ?? null)
  } catch {
    throw new AppError('validation_failed', 'the body cannot be serialised to check its Idempotency-Key')
  }
}
