-- Analytics at scale (issue 19): the `chat_sessions` and `conversions` views, and the identity owners that
-- attribution resolves people through, kept current by materialized views on `events` instead of being
-- aggregated from the tenant's whole event history on every query.
--
-- Why this stays exact: each table is keyed by the keys the view groups by (tenant + chat session,
-- tenant + kind + id, tenant + identity) and holds only aggregate states that the view merges at query
-- time (argMin, argMax, min, max). Those states do not depend on the order in which events arrive, so a late
-- event, an identify made after a chat, a refund or a backfilled price lands in the same key's state and the
-- next read sees it. They are also idempotent: an event counted twice (the backfill below racing an insert,
-- a duplicate that `events` collapses only on merge) changes no min, max, argMin or argMax, so no count here
-- can drift from what the views over `events` gave. The views keep their columns, types and meaning.

-- One row per (tenant, chat session) after merges: the states behind every column of `chat_sessions`,
-- over the chat events that 0015 reads (chat beacons and engine chat events).
CREATE TABLE IF NOT EXISTS {{db}}.chat_session_states {{on_cluster}} (
  tenant_id UUID,
  chat_session_id String,
  anonymous_id_state AggregateFunction(argMinIf, String, DateTime64(3, 'UTC'), UInt8),
  customer_id_state AggregateFunction(argMaxIf, String, DateTime64(3, 'UTC'), UInt8),
  widget_key_state AggregateFunction(argMinIf, String, DateTime64(3, 'UTC'), UInt8),
  opened_at_state SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
  ended_at_state SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
  engaged_state SimpleAggregateFunction(max, UInt8),
  touch_time_state AggregateFunction(minIf, DateTime64(3, 'UTC'), UInt8),
  last_intent_state AggregateFunction(argMaxIf, String, DateTime64(3, 'UTC'), UInt8),
  last_flow_id_state AggregateFunction(argMaxIf, String, DateTime64(3, 'UTC'), UInt8),
  last_quick_question_state AggregateFunction(argMaxIf, String, DateTime64(3, 'UTC'), UInt8)
) ENGINE = AggregatingMergeTree
ORDER BY (tenant_id, chat_session_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.chat_session_states_mv {{on_cluster}}
TO {{db}}.chat_session_states AS
SELECT
  tenant_id,
  chat_session_id,
  argMinIfState(anonymous_id, ts, anonymous_id != '') AS anonymous_id_state,
  argMaxIfState(customer_id, ts, customer_id != '') AS customer_id_state,
  argMinIfState(toString(widget_key), ts, widget_key != '') AS widget_key_state,
  min(ts) AS opened_at_state,
  max(ts) AS ended_at_state,
  toUInt8(countIf(type IN ('chat.message.received', 'message.sent', 'quick_question.clicked',
                           'chat.form.submitted', 'form.submitted')) > 0) AS engaged_state,
  minIfState(ts, type IN ('chat.message.received', 'message.sent', 'quick_question.clicked',
                          'chat.form.submitted', 'form.submitted')) AS touch_time_state,
  argMaxIfState(toString(intent), ts, intent != '') AS last_intent_state,
  argMaxIfState(flow_id, ts, flow_id != '') AS last_flow_id_state,
  argMaxIfState(JSONExtractString(props, 'question_id'), ts, type = 'quick_question.clicked')
    AS last_quick_question_state
FROM {{db}}.events
WHERE chat_session_id != ''
  AND (startsWith(type, 'chat.')
       OR type IN ('llm.call', 'llm.cost_adjusted', 'widget.loaded', 'widget.opened', 'widget.closed',
                   'message.sent', 'quick_question.clicked', 'block.rendered', 'form.submitted'))
GROUP BY tenant_id, chat_session_id;

-- The history stored before the view existed (events inserted meanwhile are merged in twice: harmless, see above).
INSERT INTO {{db}}.chat_session_states
SELECT
  tenant_id,
  chat_session_id,
  argMinIfState(anonymous_id, ts, anonymous_id != ''),
  argMaxIfState(customer_id, ts, customer_id != ''),
  argMinIfState(toString(widget_key), ts, widget_key != ''),
  min(ts),
  max(ts),
  toUInt8(countIf(type IN ('chat.message.received', 'message.sent', 'quick_question.clicked',
                           'chat.form.submitted', 'form.submitted')) > 0),
  minIfState(ts, type IN ('chat.message.received', 'message.sent', 'quick_question.clicked',
                          'chat.form.submitted', 'form.submitted')),
  argMaxIfState(toString(intent), ts, intent != ''),
  argMaxIfState(flow_id, ts, flow_id != ''),
  argMaxIfState(JSONExtractString(props, 'question_id'), ts, type = 'quick_question.clicked')
FROM {{db}}.events
WHERE chat_session_id != ''
  AND (startsWith(type, 'chat.')
       OR type IN ('llm.call', 'llm.cost_adjusted', 'widget.loaded', 'widget.opened', 'widget.closed',
                   'message.sent', 'quick_question.clicked', 'block.rendered', 'form.submitted'))
GROUP BY tenant_id, chat_session_id;

-- chat_sessions of 0015, same rows, columns and types, merged from the states.
CREATE OR REPLACE VIEW {{db}}.chat_sessions {{on_cluster}} AS
SELECT
  tenant_id,
  chat_session_id,
  argMinIfMerge(anonymous_id_state) AS anonymous_id,
  argMaxIfMerge(customer_id_state) AS customer_id,
  argMinIfMerge(widget_key_state) AS widget_key,
  CAST(min(opened_at_state) AS DateTime64(3, 'UTC')) AS opened_at,
  CAST(max(ended_at_state) AS DateTime64(3, 'UTC')) AS ended_at,
  CAST(max(engaged_state) AS UInt8) AS engaged,
  if(engaged = 1, minIfMerge(touch_time_state), NULL) AS touch_time,
  argMaxIfMerge(last_intent_state) AS last_intent,
  argMaxIfMerge(last_flow_id_state) AS last_flow_id,
  argMaxIfMerge(last_quick_question_state) AS last_quick_question
FROM {{db}}.chat_session_states
GROUP BY tenant_id, chat_session_id;

-- One row per (tenant, kind, id) after merges: the first event of each backend conversion (earliest
-- received_at per conversion_id) and of each widget purchase beacon (earliest ts per order_id), what 0013's
-- `LIMIT 1 BY` kept.
CREATE TABLE IF NOT EXISTS {{db}}.conversion_states {{on_cluster}} (
  tenant_id UUID,
  source LowCardinality(String),
  id String,
  first_state AggregateFunction(argMin,
    Tuple(String, DateTime64(3, 'UTC'), Int64, String, String, String, String, String, String),
    DateTime64(3, 'UTC'))
) ENGINE = AggregatingMergeTree
ORDER BY (tenant_id, source, id);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.conversion_states_mv {{on_cluster}}
TO {{db}}.conversion_states AS
SELECT
  tenant_id,
  toString(source) AS source,
  JSONExtractString(props, if(type = 'conversion', 'conversion_id', 'order_id')) AS id,
  argMinState(
    (if(source = 'backend', JSONExtractString(props, 'order_id'), id), ts, value_micros, toString(currency),
     chat_session_id, customer_id, anonymous_id,
     if(source = 'backend', JSONExtractString(props, 'email_hash'), ''), toString(widget_key)),
    if(source = 'backend', received_at, ts)) AS first_state
FROM {{db}}.events
WHERE (type = 'conversion' AND source = 'backend') OR (type = 'purchase' AND source = 'widget')
GROUP BY tenant_id, source, id;

INSERT INTO {{db}}.conversion_states
SELECT
  tenant_id,
  toString(source) AS source,
  JSONExtractString(props, if(type = 'conversion', 'conversion_id', 'order_id')) AS id,
  argMinState(
    (if(source = 'backend', JSONExtractString(props, 'order_id'), id), ts, value_micros, toString(currency),
     chat_session_id, customer_id, anonymous_id,
     if(source = 'backend', JSONExtractString(props, 'email_hash'), ''), toString(widget_key)),
    if(source = 'backend', received_at, ts))
FROM {{db}}.events
WHERE (type = 'conversion' AND source = 'backend') OR (type = 'purchase' AND source = 'widget')
GROUP BY tenant_id, source, id;

-- conversions of 0016, same rows, columns and types: the first events come from the states; the backend's
-- reconciliation by order_id and the tenant's purchase-beacon policy are applied as before.
CREATE OR REPLACE VIEW {{db}}.conversions {{on_cluster}} AS
SELECT c.tenant_id AS tenant_id, c.conversion_id AS conversion_id, c.order_id AS order_id, c.ts AS ts,
  c.value_micros AS value_micros, c.currency AS currency, c.is_refund AS is_refund,
  c.chat_session_id AS chat_session_id, c.customer_id AS customer_id, c.anonymous_id AS anonymous_id,
  c.email_hash AS email_hash, c.source AS source, c.widget_key AS widget_key
FROM (
  SELECT *, max(source = 'backend' AND is_refund = 0) OVER (PARTITION BY tenant_id, order_id) AS sold
  FROM (
    SELECT tenant_id, if(source = 'backend', id, concat('purchase:', id)) AS conversion_id,
      first.1 AS order_id, first.2 AS ts, first.3 AS value_micros,
      CAST(first.4, 'LowCardinality(String)') AS currency, toUInt8(first.3 < 0) AS is_refund,
      first.5 AS chat_session_id, first.6 AS customer_id, first.7 AS anonymous_id, first.8 AS email_hash,
      toString(source) AS source, CAST(first.9, 'LowCardinality(String)') AS widget_key
    FROM (
      SELECT tenant_id, source, id, argMinMerge(first_state) AS first
      FROM {{db}}.conversion_states
      GROUP BY tenant_id, source, id
    )
  )
) AS c
LEFT JOIN (
  SELECT tenant_id, purchase_beacons, purchase_beacon_max_micros FROM {{db}}.conversion_settings FINAL
) AS policy ON policy.tenant_id = c.tenant_id
WHERE c.source = 'backend'
  OR (NOT c.sold AND policy.purchase_beacons = 'counted'
      AND (policy.purchase_beacon_max_micros = 0 OR abs(c.value_micros) <= policy.purchase_beacon_max_micros));

-- One row per (tenant, identity) after merges: the latest customer and the latest email hash each anonymous id
-- or email hash was linked to (greatest (linked_at, target id), as attribution resolves them), over the links
-- `identity_links` (0014) lists. Attribution reads this instead of grouping the links of the whole history.
CREATE TABLE IF NOT EXISTS {{db}}.identity_owners {{on_cluster}} (
  tenant_id UUID,
  from_kind LowCardinality(String),
  from_id String,
  customer_state AggregateFunction(argMaxIf, String, Tuple(DateTime64(3, 'UTC'), String), UInt8),
  email_state AggregateFunction(argMaxIf, String, Tuple(DateTime64(3, 'UTC'), String), UInt8)
) ENGINE = AggregatingMergeTree
ORDER BY (tenant_id, from_kind, from_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.identity_owners_mv {{on_cluster}}
TO {{db}}.identity_owners AS
SELECT
  tenant_id,
  link.1 AS from_kind,
  link.2 AS from_id,
  argMaxIfState(link.4, (ts, link.4), link.3 = 'customer') AS customer_state,
  argMaxIfState(link.4, (ts, link.4), link.3 = 'email') AS email_state
FROM (
  SELECT tenant_id, ts, anonymous_id, customer_id,
    if(type = 'identify', '', JSONExtractString(props, 'email_hash')) AS email_hash
  FROM {{db}}.events
  WHERE type IN ('identify', 'conversion', 'purchase')
)
ARRAY JOIN arrayFilter(
  candidate -> candidate.2 != '' AND candidate.4 != '',
  [('anonymous', anonymous_id, 'customer', customer_id),
   ('email', email_hash, 'customer', customer_id),
   ('anonymous', anonymous_id, 'email', email_hash)]
) AS link
GROUP BY tenant_id, from_kind, from_id;

INSERT INTO {{db}}.identity_owners
SELECT
  tenant_id,
  link.1 AS from_kind,
  link.2 AS from_id,
  argMaxIfState(link.4, (ts, link.4), link.3 = 'customer'),
  argMaxIfState(link.4, (ts, link.4), link.3 = 'email')
FROM (
  SELECT tenant_id, ts, anonymous_id, customer_id,
    if(type = 'identify', '', JSONExtractString(props, 'email_hash')) AS email_hash
  FROM {{db}}.events
  WHERE type IN ('identify', 'conversion', 'purchase')
)
ARRAY JOIN arrayFilter(
  candidate -> candidate.2 != '' AND candidate.4 != '',
  [('anonymous', anonymous_id, 'customer', customer_id),
   ('email', email_hash, 'customer', customer_id),
   ('anonymous', anonymous_id, 'email', email_hash)]
) AS link
GROUP BY tenant_id, from_kind, from_id;
