/** ClickHouse renders DateTime64 as 'YYYY-MM-DD hh:mm:ss.sss' in UTC; ISO strings pass through. */
export function toIsoTime(value: string): string {
  return new Date(value.includes('T') ? value : `${value.replace(' ', 'T')}Z`).toISOString()
}
