import type { MessageHandler } from './state-store.ts'

/**
 * Handlers per channel for both adapters. Each subscription is its own object, so subscribing one
 * function twice and unsubscribing once leaves the other subscription in place.
 */
export class Subscribers {
  private readonly channels = new Map<string, Set<{ handler: MessageHandler }>>()

  /** Adds a handler; `first` says the channel had none, so the transport must start listening. */
  add(channel: string, handler: MessageHandler): { first: boolean; remove: () => { last: boolean } } {
    const existing = this.channels.get(channel)
    const subscription = { handler }
    const handlers = existing ?? new Set()
    handlers.add(subscription)
    this.channels.set(channel, handlers)
    return {
      first: existing === undefined,
      remove: () => {
        const removed = handlers.delete(subscription)
        const last = removed && handlers.size === 0 && this.channels.get(channel) === handlers
        if (last) this.channels.delete(channel)
        return { last }
      },
    }
  }

  /** Calls every handler of the channel; a throwing handler is reported and does not stop the others. */
  deliver(channel: string, message: string, onError: (error: unknown) => void): void {
    for (const { handler } of this.channels.get(channel) ?? []) {
      try {
        handler(message)
      } catch (error) {
        onError(error)
      }
    }
  }

  clear(): void {
    this.channels.clear()
  }
}
