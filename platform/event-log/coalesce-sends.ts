interface Pending<T> {
  item: T
  weight: number
  resolve: () => void
  reject: (error: unknown) => void
}

/**
 * Sends concurrent requests together: while one send runs, new items wait and then go out as the next
 * send, up to `maxWeight` each. With one request in flight this keeps order and still batches under load
 * (kafkajs has no linger, so coalescing is the only way to get bigger produce requests).
 */
export class SendCoalescer<T> {
  private pending: Pending<T>[] = []
  private sending: Promise<void> | undefined

  constructor(
    private readonly send: (items: T[]) => Promise<void>,
    private readonly maxWeight: number,
  ) {}

  /** Resolves once the send carrying `item` succeeded; a failed send rejects every item it carried. */
  add(item: T, weight: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, weight, resolve, reject })
      this.sending ??= this.sendLoop()
    })
  }

  /** Resolves once everything added so far was sent (or failed). */
  async drain(): Promise<void> {
    await this.sending
  }

  private async sendLoop(): Promise<void> {
    while (this.pending.length > 0) {
      const group = this.takeGroup()
      try {
        await this.send(group.map((entry) => entry.item))
        for (const entry of group) entry.resolve()
      } catch (error) {
        for (const entry of group) entry.reject(error)
      }
    }
    this.sending = undefined
  }

  private takeGroup(): Pending<T>[] {
    let weight = 0
    let count = 0
    for (const entry of this.pending) {
      if (count > 0 && weight + entry.weight > this.maxWeight) break
      weight += entry.weight
      count += 1
    }
    return this.pending.splice(0, count)
  }
}
