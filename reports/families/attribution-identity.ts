import type { Tables } from '../../platform/clickhouse/db.ts'

/**
 * Who a row belongs to: a *person key* resolved at query time from `identity_links` (migration 0010), so a
 * link applies to every chat and sale of its ids whenever it arrived. Customer ids are the roots:
 *
 * - a customer id `c` is `customer:c`;
 * - an email hash is the customer of its latest email -> customer link, else `email:<hash>`;
 * - an anonymous id is the customer of its latest anonymous -> customer link, else the resolution of the
 *   email of its latest anonymous -> email link, else `anonymous:<id>`;
 * - a row is resolved by its first non-empty id in the order customer, email, anonymous, chat session
 *   (`session:<id>`, for a session without visitor ids).
 *
 * "Latest" is the greatest (linked_at, target id), so ties resolve the same way every time. The depth is
 * fixed (anonymous -> email -> customer); two customer ids are never merged, even when one email or
 * anonymous id was linked to both: the latest link wins.
 *
 * The latest links per id are kept by `identity_owners` (migration 0040, a materialized view of the links
 * `identity_links` lists, as aggregate states), so a query merges one row per id instead of every link.
 *
 * `id_person`: (kind, id) -> person for every anonymous id and email hash that has a link. The owners are
 * grouped by the email whose customer an anonymous id needs (an email's own group is keyed by itself), so
 * `identity_links` is read once: a second reference to `id_owner` would read it again (CTEs are inlined).
 */
export function identityCtes(tables: Tables): string[] {
  return [
    `id_owner AS (
      SELECT
        from_kind,
        from_id,
        argMaxIfMerge(customer_state) AS customer_id,
        argMaxIfMerge(email_state) AS email_hash
      FROM ${tables.identity_owners}
      WHERE tenant_id = {tenant_id:UUID}
      GROUP BY from_kind, from_id
    )`,
    `id_person AS (
      SELECT
        owner.1 AS kind,
        owner.2 AS id,
        multiIf(owner.3 != '', concat('customer:', owner.3),
                email_customer != '', concat('customer:', email_customer),
                concat('email:', owner.4)) AS person
      FROM (
        SELECT
          anyIf(customer_id, from_kind = 'email') AS email_customer,
          groupArray((from_kind, from_id, customer_id, email_hash)) AS owners
        FROM id_owner
        GROUP BY if(from_kind = 'email' OR customer_id != '', from_id, email_hash)
      )
      ARRAY JOIN owners AS owner
    )`,
  ]
}

/**
 * Rows of `source` that carry a chat_session_id, customer_id, anonymous_id (and `emailColumn`), with the
 * ids that identify them as `id_customer`, `id_email`, `id_anonymous`, `id_session`: those of their chat
 * session when it exists (its customer id, else its anonymous id, else itself), else their own. A session
 * exists when it has chat events (`chat_sessions`, migration 0015): a sale naming an id no chat has falls
 * back to its own ids, and a sale's ids never become its session's.
 */
export function sessionFirstIdsSql(
  tables: Tables,
  source: string,
  columns: string[],
  emailColumn?: string,
): string {
  const matched = "known.chat_session_id != ''"
  return `SELECT ${columns.map((column) => `row.${column} AS ${column}`).join(', ')},
      if(${matched}, known.customer_id, row.customer_id) AS id_customer,
      if(${matched}, '', ${emailColumn ? `row.${emailColumn}` : "''"}) AS id_email,
      if(${matched}, known.anonymous_id, row.anonymous_id) AS id_anonymous,
      if(${matched}, known.chat_session_id, '') AS id_session
    FROM ${source} AS row
    LEFT JOIN (
      SELECT chat_session_id, customer_id, anonymous_id FROM ${tables.chat_sessions} WHERE tenant_id = {tenant_id:UUID}
    ) AS known ON known.chat_session_id = row.chat_session_id`
}

/**
 * `SELECT <columns>, person FROM <source>`, where `source` has `id_customer`, `id_email`, `id_anonymous` and
 * `id_session`: the person of its first non-empty id ('' when it has none), one lookup in `id_person`.
 */
export function withPersonSql(source: string, columns: string[]): string {
  return `SELECT ${columns.map((column) => `identified.${column} AS ${column}`).join(', ')},
      multiIf(id_person.person != '', id_person.person,
              identified.lookup_id = '', '',
              concat(identified.lookup_kind, ':', identified.lookup_id)) AS person
    FROM (
      SELECT *,
        multiIf(id_customer != '', 'customer', id_email != '', 'email',
                id_anonymous != '', 'anonymous', 'session') AS lookup_kind,
        multiIf(id_customer != '', id_customer, id_email != '', id_email,
                id_anonymous != '', id_anonymous, id_session) AS lookup_id
      FROM ${source}
    ) AS identified
    LEFT JOIN id_person ON id_person.kind = identified.lookup_kind AND id_person.id = identified.lookup_id`
}
