/** The column marking a totals row when a family answers rows and totals in one query. */
export const TOTALS_MARKER = '__totals'

/** The GROUP BY, marker and ORDER BY of a family's final aggregation (see `groupingSql`). */
export interface Grouping {
  /** `GROUP BY ...`, or '' without keys and totals. */
  groupBy: string
  /** Select items to add after the keys: the totals marker when the totals are asked. */
  marker: string[]
  /** `ORDER BY ...`: totals last, rows by their keys. */
  orderBy: string
  /** Whether the totals rows come back in this query, marked by `TOTALS_MARKER = 1`. */
  totalsMarked: boolean
}

/**
 * The grouping of a family's rows by `keys` and, when `totalsBy` is given, of its totals by those keys
 * in the same pass: `GROUPING SETS ((keys), (totalsBy))`, so the relation under it is planned and read
 * once. A grand total (`totalsBy` empty) comes back even when no row does, as a separate query's would.
 * When both sets are the same, one set answers both and nothing is marked (the caller reuses the rows).
 */
export function groupingSql(
  keys: string[],
  totalsBy?: string[],
  /** How a key sorts (an expression over it), when not by its own value. */
  orderKey: (key: string) => string = (key) => key,
): Grouping {
  const orderBy = (first: string[]) => {
    const order = [...first, ...keys.map(orderKey)]
    return order.length ? `ORDER BY ${order.join(', ')}` : ''
  }
  if (totalsBy === undefined || sameKeys(keys, totalsBy)) {
    return {
      groupBy: keys.length ? `GROUP BY ${keys.join(', ')}` : '',
      marker: [],
      orderBy: orderBy([]),
      totalsMarked: false,
    }
  }
  return {
    groupBy: `GROUP BY GROUPING SETS ((${keys.join(', ')}), (${totalsBy.join(', ')}))`,
    // Standard GROUPING(): 0 when every key is grouped (a row), non-zero on the totals set.
    marker: [`toUInt8(grouping(${keys.join(', ')}) != 0) AS ${TOTALS_MARKER}`],
    orderBy: orderBy([TOTALS_MARKER]),
    totalsMarked: true,
  }
}

function sameKeys(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((name) => b.includes(name))
}
