-- identity_links: one row per link between two identities of a visitor, the edges attribution resolves
-- people through (see "Attribution" in sql/README.md). An `identify` event links its anonymous_id to its
-- customer_id; a conversion (backend `conversion` or widget `purchase`) carrying several ids links its
-- anonymous_id and its email hash to its customer_id, and its anonymous_id to its email hash. Links point
-- towards the customer id: anonymous -> customer, email -> customer, anonymous -> email. Read straight from
-- `events` (a repeated link changes nothing: resolution takes the latest per id), and a view, so a link
-- applies to every chat and sale of the ids it joins, whenever it arrives.
CREATE VIEW IF NOT EXISTS {{db}}.identity_links {{on_cluster}} AS
SELECT
  tenant_id,
  link.1 AS from_kind,
  link.2 AS from_id,
  link.3 AS to_kind,
  link.4 AS to_id,
  ts AS linked_at,
  if(type = 'identify', 'identify', 'conversion') AS source
FROM {{db}}.events
ARRAY JOIN arrayFilter(
  candidate -> candidate.2 != '' AND candidate.4 != '',
  if(type = 'identify',
     [('anonymous', anonymous_id, 'customer', customer_id)],
     [('anonymous', anonymous_id, 'customer', customer_id),
      ('email', JSONExtractString(props, 'email_hash'), 'customer', customer_id),
      ('anonymous', anonymous_id, 'email', JSONExtractString(props, 'email_hash'))])
) AS link
WHERE type IN ('identify', 'conversion', 'purchase');
