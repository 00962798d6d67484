-- Analyst views over `events` for engagement, conversions and attribution. Both aggregate by keys that
-- start with tenant_id, so a `WHERE tenant_id = ...` on the view is pushed down to the sort key.

-- One row per chat session: its identities, when it opened and ended, and whether (and when first) the
-- visitor engaged: sent a message, clicked a quick question or submitted a form in it.
CREATE VIEW IF NOT EXISTS {{db}}.chat_sessions {{on_cluster}} AS
SELECT
  tenant_id,
  chat_session_id,
  argMinIf(anonymous_id, ts, anonymous_id != '') AS anonymous_id,
  argMaxIf(customer_id, ts, customer_id != '') AS customer_id,
  argMinIf(widget_key, ts, widget_key != '') AS widget_key,
  min(ts) AS opened_at,
  max(ts) AS ended_at,
  toUInt8(countIf(type IN ('chat.message.received', 'message.sent', 'quick_question.clicked',
                           'chat.form.submitted', 'form.submitted')) > 0) AS engaged,
  if(engaged = 1,
     minIf(ts, type IN ('chat.message.received', 'message.sent', 'quick_question.clicked',
                        'chat.form.submitted', 'form.submitted')),
     NULL) AS touch_time,
  argMaxIf(intent, ts, intent != '') AS last_intent,
  argMaxIf(flow_id, ts, flow_id != '') AS last_flow_id,
  argMaxIf(JSONExtractString(props, 'question_id'), ts, type = 'quick_question.clicked') AS last_quick_question
FROM {{db}}.events
WHERE chat_session_id != ''
GROUP BY tenant_id, chat_session_id;

-- One row per conversion. Backend conversions (POST /v1/engine/conversions) are kept once per
-- conversion_id (the earliest received); a widget `purchase` beacon counts once per order_id (its earliest),
-- as conversion `purchase:<order_id>`, only when no backend non-refund conversion of the tenant reports
-- the same order_id, so a sale reported by both the page and the backend is counted once.
CREATE VIEW IF NOT EXISTS {{db}}.conversions {{on_cluster}} AS
WITH
  backend AS (
    SELECT
      tenant_id, conversion_id, first.1 AS order_id, first.2 AS ts, first.3 AS value_micros,
      first.4 AS currency, toUInt8(first.3 < 0) AS is_refund, first.5 AS chat_session_id,
      first.6 AS customer_id, first.7 AS anonymous_id, first.8 AS email_hash, 'backend' AS source,
      first.9 AS widget_key
    FROM (
      SELECT
        tenant_id,
        JSONExtractString(props, 'conversion_id') AS conversion_id,
        argMin((JSONExtractString(props, 'order_id'), ts, value_micros, currency, chat_session_id,
                customer_id, anonymous_id, JSONExtractString(props, 'email_hash'), widget_key),
               received_at) AS first
      FROM {{db}}.events
      WHERE type = 'conversion' AND source = 'backend'
      GROUP BY tenant_id, conversion_id
    )
  ),
  widget AS (
    SELECT
      tenant_id, concat('purchase:', order_id) AS conversion_id, order_id, first.1 AS ts,
      first.2 AS value_micros, first.3 AS currency, toUInt8(first.2 < 0) AS is_refund,
      first.4 AS chat_session_id, first.5 AS customer_id, first.6 AS anonymous_id, '' AS email_hash,
      'widget' AS source, first.7 AS widget_key
    FROM (
      SELECT
        tenant_id,
        JSONExtractString(props, 'order_id') AS order_id,
        argMin((ts, value_micros, currency, chat_session_id, customer_id, anonymous_id, widget_key), ts) AS first
      FROM {{db}}.events
      WHERE type = 'purchase' AND source = 'widget'
      GROUP BY tenant_id, order_id
    )
  )
SELECT * FROM backend
UNION ALL
SELECT widget.*
FROM widget
LEFT ANTI JOIN (SELECT DISTINCT tenant_id, order_id FROM backend WHERE is_refund = 0) AS sold
  ON sold.tenant_id = widget.tenant_id AND sold.order_id = widget.order_id;

-- Goals: tenant-defined rules over events (type + property filters + URL patterns) or over conversions
-- (optional minimum value). Versioned rows like flows and connections; read with FINAL. The filters are
-- three parallel arrays (property, operator, value); `url_like` holds the URL patterns as LIKE patterns.
CREATE TABLE IF NOT EXISTS {{db}}.goals {{on_cluster}} (
  tenant_id UUID,
  goal_id String,
  name String,
  kind LowCardinality(String),
  event_type String,
  filter_properties Array(String),
  filter_ops Array(LowCardinality(String)),
  filter_values Array(String),
  url_patterns Array(String),
  url_like Array(String),
  min_value_micros Int64,
  currency LowCardinality(String),
  created_at DateTime64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC'),
  deleted UInt8 DEFAULT 0
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (tenant_id, goal_id);
