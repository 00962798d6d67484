-- The `conversions` view of 0009, same rows and columns, read in one pass over `events` instead of three:
-- 0009 evaluated its `backend` part twice (once for the rows, once for the anti join) and kept each
-- conversion's first event with argMin over a tuple, the slowest path of argMin. Here both kinds of rows
-- come from one read of `conversion` and `purchase` events: the first event per (kind, id) is kept with
-- ORDER BY + LIMIT 1 BY (backend: earliest received_at per conversion_id; widget: earliest ts per order_id),
-- and a widget row is dropped when a backend non-refund row of the tenant has its order_id (a window over
-- (tenant_id, order_id) instead of a LEFT ANTI JOIN). The window of a query cannot be pushed inside: the
-- dedup by conversion_id and the reconciliation by order_id look at the tenant's whole history, as in 0009.
-- `WHERE tenant_id = ...` on the view still reaches the sort key of `events` (it is a key of every step).
CREATE OR REPLACE VIEW {{db}}.conversions {{on_cluster}} AS
SELECT tenant_id, conversion_id, order_id, ts, value_micros, currency, is_refund, chat_session_id, customer_id,
  anonymous_id, email_hash, source, widget_key
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
)
WHERE source = 'backend' OR NOT sold;
