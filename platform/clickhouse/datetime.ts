/** ClickHouse renders DateTime64 as 'YYYY-MM-DD hh:mm:ss.sss' in UTC; ISO strings pass through. */
export function toIsoTime(value: string): string {
  return new Date(value.includes('T') ? value : `${value.replace(' ', 'T')}Z`).toISOString()
}

/**
 * The version (epoch ms) of a control-table row replacing one stored at `previous`: strictly later, so
 * ReplacingMergeTree keeps the change even within the same millisecond.
 */
export function nextVersion(previous: number | string, now: number): number {
  return Math.max(now, (typeof previous === 'number' ? previous : Date.parse(toIsoTime(previous))) + 1)
}
