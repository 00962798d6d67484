/**
 * Analytics rows without the name columns the API adds beside ids (`flow_name`, `intent_name`,
 * `widget_key_name`, `goal_name`): for tests that compare numbers with a reference that has no names.
 * The names themselves are checked by the reports-hub test and the admin panel's browser test.
 */
export function withoutNames<Row extends Record<string, unknown>>(rows: Row[]): Row[] {
  return rows.map(
    (row) => Object.fromEntries(Object.entries(row).filter(([key]) => !NAME_COLUMN.test(key))) as Row,
  )
}

const NAME_COLUMN = /^(flow|intent|widget_key|goal)_name$/
