/** Telemetry beacons (ingest/event-type-rules.ts) through navigator.sendBeacon as text/plain: no preflight, survives unload. */

export interface BeaconFields {
  chat_session_id?: string
  execution_id?: string
  block_id?: string
  customer_id?: string
  value?: number
  currency?: string
  props?: Record<string, unknown>
}

export type Beacon = (type: string, fields?: BeaconFields) => void

export function randomId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID()
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

export function createBeacon(
  base: string,
  publicKey: string,
  identity: { anonymousId: string; chatSessionId(): string | undefined },
): Beacon {
  return (type, fields = {}) => {
    const chatSessionId = fields.chat_session_id ?? identity.chatSessionId()
    const event = {
      event_id: randomId(),
      type,
      ts: Date.now(),
      anonymous_id: identity.anonymousId,
      url: location.href,
      ...(document.referrer ? { referrer: document.referrer } : {}),
      ...fields,
      ...(chatSessionId ? { chat_session_id: chatSessionId } : {}),
    }
    const body = JSON.stringify({ publicKey, events: [event] })
    const url = `${base}/v1/telemetry`
    const blob = new Blob([body], { type: 'text/plain' })
    if (!navigator.sendBeacon?.(url, blob)) {
      void fetch(url, { method: 'POST', body, keepalive: true, credentials: 'omit', mode: 'cors' }).catch(
        () => {},
      )
    }
  }
}
