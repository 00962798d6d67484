-- identity_links of 0010, same rows and columns, cheaper to read: `props` is parsed once per conversion or
-- purchase event (0010 parsed it twice) and never for an `identify` event, whose email candidates are empty
-- and filtered out as before.
CREATE OR REPLACE VIEW {{db}}.identity_links {{on_cluster}} AS
SELECT
  tenant_id,
  link.1 AS from_kind,
  link.2 AS from_id,
  link.3 AS to_kind,
  link.4 AS to_id,
  ts AS linked_at,
  if(type = 'identify', 'identify', 'conversion') AS source
FROM (
  SELECT tenant_id, type, ts, anonymous_id, customer_id,
    if(type = 'identify', '', JSONExtractString(props, 'email_hash')) AS email_hash
  FROM {{db}}.events
  WHERE type IN ('identify', 'conversion', 'purchase')
)
ARRAY JOIN arrayFilter(
  candidate -> candidate.2 != '' AND candidate.4 != '',
  [('anonymous', anonymous_id, 'customer', customer_id),
   ('email', email_hash, 'customer', customer_id),
   ('anonymous', anonymous_id, 'email', email_hash)]
) AS link;
