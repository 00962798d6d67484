/** Counts of one fuzz run: what was sent, what came back, which routes answered what. */
export class FuzzFigures {
  requests = 0
  refusedByClient = 0
  readonly statuses = new Map<number, number>()
  readonly byOperation = new Map<string, Map<number, number>>()
  readonly startedAt = Date.now()

  record(operation: string, status: number | undefined): void {
    if (status === undefined) {
      this.refusedByClient += 1
      return
    }
    this.requests += 1
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1)
    const statuses = this.byOperation.get(operation) ?? new Map<number, number>()
    statuses.set(status, (statuses.get(status) ?? 0) + 1)
    this.byOperation.set(operation, statuses)
  }

  get serverErrors(): number {
    return [...this.statuses]
      .filter(([status]) => status >= 500 || status < 100)
      .reduce((sum, [, n]) => sum + n, 0)
  }

  /** Operations that answered at least once with a success: the fuzz got past validation there. */
  get reachedSuccess(): string[] {
    return [...this.byOperation]
      .filter(([, statuses]) => [...statuses.keys()].some((s) => s < 400))
      .map(([id]) => id)
  }

  summary(totalOperations: number): string {
    const histogram = [...this.statuses]
      .sort(([a], [b]) => a - b)
      .map(([status, n]) => `${status}: ${n}`)
      .join(', ')
    const seconds = ((Date.now() - this.startedAt) / 1_000).toFixed(1)
    return [
      `requests sent: ${this.requests} in ${seconds} s (${this.refusedByClient} refused by the client before sending)`,
      `routes covered: ${this.byOperation.size} of ${totalOperations} operations; ${this.reachedSuccess.length} answered 2xx/3xx at least once`,
      `statuses: ${histogram}`,
      `5xx (and dropped connections): ${this.serverErrors}`,
    ].join('\n')
  }
}
