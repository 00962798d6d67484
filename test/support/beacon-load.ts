import { randomUUID } from 'node:crypto'

export interface BeaconLoadOptions {
  url: string
  publicKey: string
  origin: string
  /** Concurrent senders, each with one request in flight at a time. */
  senders: number
  /** Largest batch a sender posts; a third of the requests are single events. */
  maxBatch?: number
  /** Sees every answer (status and body), e.g. to check the error bodies of an outage. */
  onAnswer?: (status: number, body: string) => void
  /** A request unanswered this long is abandoned and counted in `hangs`. Default: wait forever. */
  requestTimeoutMs?: number
}

export interface BeaconLoad {
  /** Every event_id put in a request, whatever became of the request. */
  readonly sent: ReadonlySet<string>
  /** The event_ids of requests answered 202: the ones the server promised to store. */
  readonly accepted: ReadonlySet<string>
  /** Requests answered, by HTTP status. */
  readonly statuses: ReadonlyMap<number, number>
  /** Requests that got no answer (connection refused or reset). */
  readonly failedRequests: number
  /** Requests abandoned after `requestTimeoutMs`. */
  readonly hangs: number
  readonly inFlight: number
  /** Lets each sender finish its current request, then resolves. */
  stop(): Promise<void>
}

/**
 * Beacons as a page full of widgets sends them: concurrent senders posting single events and small
 * batches, JSON and sendBeacon's text/plain, each event with its own client event_id.
 */
export function startBeaconLoad({
  url,
  publicKey,
  origin,
  senders,
  maxBatch = 8,
  onAnswer,
  requestTimeoutMs,
}: BeaconLoadOptions): BeaconLoad {
  const sent = new Set<string>()
  const accepted = new Set<string>()
  const statuses = new Map<number, number>()
  let failedRequests = 0
  let hangs = 0
  let inFlight = 0
  let stopping = false
  const endpoint = `${url}/v1/telemetry?publicKey=${encodeURIComponent(publicKey)}`

  const send = async (request: number) => {
    const size = request % 3 === 0 ? 1 : 2 + (request % (maxBatch - 1))
    const events = Array.from({ length: size }, (_, index) => beacon(request + index))
    for (const event of events) sent.add(event.event_id)
    inFlight += 1
    try {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': request % 2 === 0 ? 'application/json' : 'text/plain;charset=UTF-8',
          origin,
        },
        body: JSON.stringify(size === 1 ? events[0] : { events }),
        ...(requestTimeoutMs === undefined ? {} : { signal: AbortSignal.timeout(requestTimeoutMs) }),
      })
      const text = await response.text()
      onAnswer?.(response.status, text)
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
      if (response.status === 202) for (const event of events) accepted.add(event.event_id)
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') hangs += 1
      else failedRequests += 1
      // The server is gone (killed): back off instead of spinning on refused connections.
      await new Promise((resolve) => setTimeout(resolve, 20))
    } finally {
      inFlight -= 1
    }
  }

  const loops = Array.from({ length: senders }, async (_, sender) => {
    for (let request = sender; !stopping; request += senders) await send(request)
  })

  return {
    sent,
    accepted,
    statuses,
    get failedRequests() {
      return failedRequests
    },
    get hangs() {
      return hangs
    },
    get inFlight() {
      return inFlight
    },
    async stop() {
      stopping = true
      await Promise.all(loops)
    },
  }
}

function beacon(n: number) {
  const common = { event_id: randomUUID(), ts: Date.now(), anonymous_id: `visitor-${n % 97}` }
  switch (n % 3) {
    case 0:
      return { ...common, type: 'page.viewed', url: `https://shop.example/products/${n}?utm_source=load` }
    case 1:
      return { ...common, type: 'widget.opened' }
    default:
      return { ...common, type: 'custom.load_test', props: { sender_request: n } }
  }
}
