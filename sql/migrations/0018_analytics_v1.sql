-- analytics_v1: the stable schema SQL analysts query (sql/README.md, "Analyst schema analytics_v1").
-- Its views live in their own database, `<db>_analytics_v1`, so a server-mode analyst user is granted SELECT
-- on that database and nothing else. Every view carries `tenant_id`: in server mode a row policy per analyst
-- user keeps its tenant's rows (reports/analyst-sql/server-ddl.ts); in embedded mode the analyst endpoint
-- reads them only through the tenant-scoped parameterized views at the end of this file.
-- Column names are a contract: a later change adds an analytics_v2 instead of renaming anything here.
CREATE DATABASE IF NOT EXISTS {{db}}_analytics_v1 {{on_cluster}};

-- Every stored event with its enrichment columns (props as JSON text).
CREATE OR REPLACE VIEW {{db}}_analytics_v1.events {{on_cluster}} AS
SELECT tenant_id, event_id, type, source, ts, received_at, widget_key, anonymous_id, session_id, chat_session_id,
  execution_id, customer_id, intent, flow_id, flow_version, block_id, url, url_host, url_path, referrer,
  referrer_host, utm_source, utm_medium, utm_campaign, utm_term, utm_content, click_id_type, click_id, user_agent,
  browser, browser_version, os, device_type, country, props, value_micros, currency
FROM {{db}}.events;

-- One row per chat session (the rules of the `chat_sessions` view of 0015).
CREATE OR REPLACE VIEW {{db}}_analytics_v1.chat_sessions {{on_cluster}} AS
SELECT tenant_id, chat_session_id, anonymous_id, customer_id, widget_key, opened_at, ended_at, engaged, touch_time,
  last_intent, last_flow_id, last_quick_question
FROM {{db}}.chat_sessions;

-- One row per sale or refund: refunds have is_refund = 1 and a negative value, so sum(value_micros) per
-- currency is revenue net of refunds.
CREATE OR REPLACE VIEW {{db}}_analytics_v1.conversions {{on_cluster}} AS
SELECT tenant_id, conversion_id, order_id, ts, value_micros, currency, is_refund, chat_session_id, customer_id,
  anonymous_id, email_hash, source, widget_key
FROM {{db}}.conversions;

CREATE OR REPLACE VIEW {{db}}_analytics_v1.identity_links {{on_cluster}} AS
SELECT tenant_id, from_kind, from_id, to_kind, to_id, linked_at, source
FROM {{db}}.identity_links;

CREATE OR REPLACE VIEW {{db}}_analytics_v1.llm_calls {{on_cluster}} AS
SELECT tenant_id, event_id, call_id, kind, ts, chat_session_id, execution_id, intent, flow_id, flow_version,
  node_id, widget_key, provider, model, prompt_tokens, cached_prompt_tokens, completion_tokens, total_tokens,
  cost_micros, cost_source, price_id, latency_ms, outcome, error
FROM {{db}}.llm_calls;

-- One row per goal completion: an event matching an `event` goal (type, every property filter, one URL pattern
-- when there are any) or a non-refund conversion matching a `conversion` goal (minimum value, currency), with the
-- rules of "Goals" in sql/README.md. The goal definitions are the current ones (goals FINAL, not deleted).
CREATE OR REPLACE VIEW {{db}}_analytics_v1.goal_completions {{on_cluster}} AS
SELECT g.tenant_id AS tenant_id, g.goal_id AS goal_id, g.name AS goal_name, 'event' AS goal_kind, a.ts AS ts,
  toString(a.event_id) AS completion_id, a.anonymous_id AS anonymous_id, a.customer_id AS customer_id,
  a.chat_session_id AS chat_session_id, a.widget_key AS widget_key, a.flow_id AS flow_id, a.intent AS intent,
  toInt64(0) AS value_micros, '' AS currency
FROM {{db}}.events AS a
INNER JOIN (SELECT * FROM {{db}}.goals FINAL WHERE deleted = 0 AND kind = 'event') AS g
  ON g.tenant_id = a.tenant_id AND g.event_type = a.type
WHERE a.type != 'conversion'
  AND arrayAll((p, o, v) -> multiIf(
    o = 'exists', JSONHas(a.props, p),
    NOT JSONHas(a.props, p), o = 'neq',
    o = 'eq', if(JSONType(a.props, p) = 'String', JSONExtractString(a.props, p), JSONExtractRaw(a.props, p)) = v,
    o = 'neq', if(JSONType(a.props, p) = 'String', JSONExtractString(a.props, p), JSONExtractRaw(a.props, p)) != v,
    o = 'contains', positionCaseInsensitiveUTF8(if(JSONType(a.props, p) = 'String', JSONExtractString(a.props, p), JSONExtractRaw(a.props, p)), v) > 0,
    o = 'gt', coalesce(toFloat64OrNull(if(JSONType(a.props, p) = 'String', JSONExtractString(a.props, p), JSONExtractRaw(a.props, p))) > toFloat64(v), 0),
    o = 'gte', coalesce(toFloat64OrNull(if(JSONType(a.props, p) = 'String', JSONExtractString(a.props, p), JSONExtractRaw(a.props, p))) >= toFloat64(v), 0),
    o = 'lt', coalesce(toFloat64OrNull(if(JSONType(a.props, p) = 'String', JSONExtractString(a.props, p), JSONExtractRaw(a.props, p))) < toFloat64(v), 0),
    o = 'lte', coalesce(toFloat64OrNull(if(JSONType(a.props, p) = 'String', JSONExtractString(a.props, p), JSONExtractRaw(a.props, p))) <= toFloat64(v), 0),
    0), g.filter_properties, g.filter_ops, g.filter_values)
  AND (empty(g.url_like) OR arrayExists(l ->
    if(startsWith(l, 'http://') OR startsWith(l, 'https://'), a.url, a.url_path) LIKE l, g.url_like))
UNION ALL
SELECT g.tenant_id AS tenant_id, g.goal_id AS goal_id, g.name AS goal_name, 'conversion' AS goal_kind, c.ts AS ts,
  c.conversion_id AS completion_id, c.anonymous_id AS anonymous_id, c.customer_id AS customer_id,
  c.chat_session_id AS chat_session_id, c.widget_key AS widget_key, '' AS flow_id, '' AS intent,
  c.value_micros AS value_micros, toString(c.currency) AS currency
FROM {{db}}.conversions AS c
INNER JOIN (SELECT * FROM {{db}}.goals FINAL WHERE deleted = 0 AND kind = 'conversion') AS g
  ON g.tenant_id = c.tenant_id
WHERE c.is_refund = 0 AND c.value_micros >= g.min_value_micros AND (g.currency = '' OR c.currency = g.currency);

-- Chat-to-sale attribution under the default model (last touch, lookback 7 days, the default engagement): one
-- row per sale or refund line x counted touch, with the touch's credit and revenue share (sql/README.md,
-- "Attribution": the same rules as GET /v1/analytics/attribution with its defaults). A line without touches has
-- no row. Credits of a sale sum to 1; revenue shares of a line sum to its value; refunds carry credit 0.
CREATE OR REPLACE VIEW {{db}}_analytics_v1.attribution_credits {{on_cluster}} AS
WITH
  owner AS (
    SELECT tenant_id, from_kind, from_id,
      argMaxIf(to_id, (linked_at, to_id), to_kind = 'customer') AS customer_id,
      argMaxIf(to_id, (linked_at, to_id), to_kind = 'email') AS email_hash
    FROM {{db}}.identity_links
    GROUP BY tenant_id, from_kind, from_id
  ),
  id_person AS (
    SELECT o.tenant_id AS tenant_id, o.from_kind AS kind, o.from_id AS id,
      multiIf(o.customer_id != '', concat('customer:', o.customer_id),
              e.customer_id != '', concat('customer:', e.customer_id),
              concat('email:', o.email_hash)) AS person
    FROM owner AS o
    LEFT JOIN (SELECT tenant_id, from_id, customer_id FROM owner WHERE from_kind = 'email') AS e
      ON e.tenant_id = o.tenant_id AND e.from_id = o.email_hash
  ),
  touches AS (
    SELECT t.tenant_id AS tenant_id, t.chat_session_id AS chat_session_id, t.touch_time AS touch_time,
      t.ended_at AS ended_at, t.flow_id AS flow_id, t.intent AS intent, t.quick_question AS quick_question,
      t.widget_key AS widget_key,
      if(p.person != '', p.person, concat(t.lookup_kind, ':', t.lookup_id)) AS person
    FROM (
      SELECT tenant_id, chat_session_id, assumeNotNull(touch_time) AS touch_time, ended_at, last_flow_id AS flow_id,
        last_intent AS intent, last_quick_question AS quick_question, widget_key,
        multiIf(customer_id != '', 'customer', anonymous_id != '', 'anonymous', 'session') AS lookup_kind,
        multiIf(customer_id != '', customer_id, anonymous_id != '', anonymous_id, chat_session_id) AS lookup_id
      FROM {{db}}.chat_sessions
      WHERE engaged = 1
    ) AS t
    LEFT JOIN id_person AS p ON p.tenant_id = t.tenant_id AND p.kind = t.lookup_kind AND p.id = t.lookup_id
  ),
  lines AS (
    SELECT c.tenant_id AS tenant_id, c.conversion_id AS conversion_id, c.order_id AS order_id, c.ts AS ts,
      c.value_micros AS value_micros, c.currency AS currency, c.is_refund AS is_refund,
      if(c.is_refund = 1, o.first_ts, c.ts) AS credited_ts,
      if(c.is_refund = 1, o.first_session, c.chat_session_id) AS chat_session_id,
      if(c.is_refund = 1, o.first_customer, c.customer_id) AS customer_id,
      if(c.is_refund = 1, o.first_email, c.email_hash) AS email_hash,
      if(c.is_refund = 1, o.first_anonymous, c.anonymous_id) AS anonymous_id
    FROM {{db}}.conversions AS c
    LEFT JOIN (
      SELECT tenant_id, order_id, argMin(ts, (ts, conversion_id)) AS first_ts,
        argMin(chat_session_id, (ts, conversion_id)) AS first_session,
        argMin(customer_id, (ts, conversion_id)) AS first_customer,
        argMin(email_hash, (ts, conversion_id)) AS first_email,
        argMin(anonymous_id, (ts, conversion_id)) AS first_anonymous
      FROM {{db}}.conversions
      WHERE is_refund = 0 AND order_id != ''
      GROUP BY tenant_id, order_id
    ) AS o ON o.tenant_id = c.tenant_id AND o.order_id = c.order_id
    WHERE c.is_refund = 0 OR o.order_id != ''
  ),
  line_people AS (
    SELECT i.tenant_id AS tenant_id, i.conversion_id AS conversion_id, i.order_id AS order_id, i.ts AS ts,
      i.value_micros AS value_micros, i.currency AS currency, i.is_refund AS is_refund, i.credited_ts AS credited_ts,
      multiIf(p.person != '', p.person, i.lookup_id = '', '', concat(i.lookup_kind, ':', i.lookup_id)) AS person
    FROM (
      SELECT l.tenant_id AS tenant_id, l.conversion_id AS conversion_id, l.order_id AS order_id, l.ts AS ts,
        l.value_micros AS value_micros, l.currency AS currency, l.is_refund AS is_refund,
        l.credited_ts AS credited_ts, k.chat_session_id != '' AS known,
        multiIf(known AND k.customer_id != '', 'customer', known AND k.anonymous_id != '', 'anonymous', known, 'session',
                l.customer_id != '', 'customer', l.email_hash != '', 'email', 'anonymous') AS lookup_kind,
        multiIf(known AND k.customer_id != '', k.customer_id, known AND k.anonymous_id != '', k.anonymous_id,
                known, k.chat_session_id, l.customer_id != '', l.customer_id, l.email_hash != '', l.email_hash,
                l.anonymous_id) AS lookup_id
      FROM lines AS l
      LEFT JOIN (SELECT tenant_id, chat_session_id, customer_id, anonymous_id FROM {{db}}.chat_sessions) AS k
        ON k.tenant_id = l.tenant_id AND k.chat_session_id = l.chat_session_id
    ) AS i
    LEFT JOIN id_person AS p ON p.tenant_id = i.tenant_id AND p.kind = i.lookup_kind AND p.id = i.lookup_id
  ),
  counted AS (
    SELECT l.tenant_id AS tenant_id, l.conversion_id AS conversion_id, l.order_id AS order_id, l.ts AS ts,
      l.value_micros AS value_micros, l.currency AS currency, l.is_refund AS is_refund, l.credited_ts AS credited_ts,
      t.chat_session_id AS chat_session_id, t.touch_time AS touch_time, t.ended_at AS ended_at,
      t.flow_id AS flow_id, t.intent AS intent, t.quick_question AS quick_question, t.widget_key AS widget_key
    FROM line_people AS l
    INNER JOIN touches AS t ON t.tenant_id = l.tenant_id AND t.person = l.person
    WHERE l.person != ''
      AND toUnixTimestamp64Milli(l.credited_ts) - toUnixTimestamp64Milli(t.touch_time) BETWEEN 0 AND 604800000
  ),
  ranked AS (
    SELECT *, row_number() OVER ordered AS position, count() OVER line AS touches
    FROM counted
    WINDOW line AS (PARTITION BY tenant_id, conversion_id),
      ordered AS (PARTITION BY tenant_id, conversion_id ORDER BY touch_time, chat_session_id
                  ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
  )
SELECT tenant_id, conversion_id, order_id, ts, credited_ts, is_refund, currency, value_micros, chat_session_id,
  touch_time, ended_at, flow_id, intent, quick_question, widget_key, position, touches,
  toUInt8(toUnixTimestamp64Milli(credited_ts) <= toUnixTimestamp64Milli(ended_at) + 1800000) AS within_30_minutes,
  toDecimal128(if(is_refund = 1 OR position != touches, 0, 1), 12) AS credit,
  if(position = touches, value_micros, toInt64(0)) AS revenue_micros
FROM ranked;

-- The tenant-scoped twins the embedded analyst endpoint reads: parameterized views whose only way in is a
-- call with the tenant as an argument, which the endpoint alone makes (an analyst's SQL may not call them).
CREATE OR REPLACE VIEW {{db}}.analyst_events {{on_cluster}} AS
SELECT * FROM {{db}}_analytics_v1.events WHERE tenant_id = {comerix_tenant_id:UUID};

CREATE OR REPLACE VIEW {{db}}.analyst_chat_sessions {{on_cluster}} AS
SELECT * FROM {{db}}_analytics_v1.chat_sessions WHERE tenant_id = {comerix_tenant_id:UUID};

CREATE OR REPLACE VIEW {{db}}.analyst_conversions {{on_cluster}} AS
SELECT * FROM {{db}}_analytics_v1.conversions WHERE tenant_id = {comerix_tenant_id:UUID};

CREATE OR REPLACE VIEW {{db}}.analyst_identity_links {{on_cluster}} AS
SELECT * FROM {{db}}_analytics_v1.identity_links WHERE tenant_id = {comerix_tenant_id:UUID};

CREATE OR REPLACE VIEW {{db}}.analyst_llm_calls {{on_cluster}} AS
SELECT * FROM {{db}}_analytics_v1.llm_calls WHERE tenant_id = {comerix_tenant_id:UUID};

CREATE OR REPLACE VIEW {{db}}.analyst_goal_completions {{on_cluster}} AS
SELECT * FROM {{db}}_analytics_v1.goal_completions WHERE tenant_id = {comerix_tenant_id:UUID};

CREATE OR REPLACE VIEW {{db}}.analyst_attribution_credits {{on_cluster}} AS
SELECT * FROM {{db}}_analytics_v1.attribution_credits WHERE tenant_id = {comerix_tenant_id:UUID};
