-- Widget `purchase` beacons are sent with the public widget key, so anyone can send one, of any value: they
-- are unverified signals. A tenant chooses how they count (POST /v1/admin/conversion-settings):
--   `purchase_beacons = 'unverified'` (the default, also when the tenant has no row): a beacon never counts
--     as a conversion; its order counts only when the backend reports it (POST /v1/engine/conversions);
--   `purchase_beacons = 'counted'`: a beacon whose order the backend did not report counts, as in 0013, when
--     `purchase_beacon_max_micros` is 0 or its absolute value is at most that many micros (of its currency).
-- Versioned rows like the other control tables: read with FINAL.
CREATE TABLE IF NOT EXISTS {{db}}.conversion_settings {{on_cluster}} (
  tenant_id UUID,
  purchase_beacons LowCardinality(String),
  purchase_beacon_max_micros Int64,
  updated_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY tenant_id;

-- The `conversions` view of 0013, same columns: widget rows are kept only as the tenant's setting says.
-- Every reader of conversions (the conversions, goals and attribution analytics, analysts) follows it.
CREATE OR REPLACE VIEW {{db}}.conversions {{on_cluster}} AS
SELECT c.tenant_id AS tenant_id, c.conversion_id AS conversion_id, c.order_id AS order_id, c.ts AS ts,
  c.value_micros AS value_micros, c.currency AS currency, c.is_refund AS is_refund,
  c.chat_session_id AS chat_session_id, c.customer_id AS customer_id, c.anonymous_id AS anonymous_id,
  c.email_hash AS email_hash, c.source AS source, c.widget_key AS widget_key
FROM (
  SELECT *, max(source = 'backend' AND is_refund = 0) OVER (PARTITION BY tenant_id, order_id) AS sold
  FROM (
    SELECT tenant_id, if(source = 'backend', id, concat('purchase:', id)) AS conversion_id,
      if(source = 'backend', JSONExtractString(props, 'order_id'), id) AS order_id, ts, value_micros, currency,
      toUInt8(value_micros < 0) AS is_refund, chat_session_id, customer_id, anonymous_id,
      if(source = 'backend', JSONExtractString(props, 'email_hash'), '') AS email_hash, toString(source) AS source,
      widget_key
    FROM (
      SELECT *, JSONExtractString(props, if(type = 'conversion', 'conversion_id', 'order_id')) AS id
      FROM {{db}}.events
      WHERE (type = 'conversion' AND source = 'backend') OR (type = 'purchase' AND source = 'widget')
    )
    ORDER BY tenant_id, source, id, if(source = 'backend', received_at, ts)
    LIMIT 1 BY tenant_id, source, id
  )
) AS c
LEFT JOIN (
  SELECT tenant_id, purchase_beacons, purchase_beacon_max_micros FROM {{db}}.conversion_settings FINAL
) AS policy ON policy.tenant_id = c.tenant_id
WHERE c.source = 'backend'
  OR (NOT c.sold AND policy.purchase_beacons = 'counted'
      AND (policy.purchase_beacon_max_micros = 0 OR abs(c.value_micros) <= policy.purchase_beacon_max_micros));
