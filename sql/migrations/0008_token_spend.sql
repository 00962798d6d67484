-- Token spend rolled up per UTC hour, so daily and monthly spend reads a few rows per hour instead of
-- every call. One row per (tenant, hour, model, provider, flow, intent, widget key) after merges; the
-- sums are SimpleAggregateFunction(sum) and `conversations` keeps a uniqExact state of the chat
-- sessions, so hours merge into days, weeks and months with exact distinct counts.
-- Hour buckets serve every timezone whose UTC offset is a whole number of hours; windows in other
-- timezones (Asia/Kolkata, ...) or with bounds off the hour are answered from the per-call rows
-- (`llm_calls`) instead, by the token_spend family.
-- The deduplication window matches `events`: when `events` drops an insert as a repeat of the same
-- deduplication token (an identical sink retry), the view's block for it is dropped here too.
CREATE TABLE IF NOT EXISTS {{db}}.token_spend_hourly {{on_cluster}} (
  tenant_id UUID,
  hour DateTime('UTC'),
  model LowCardinality(String),
  provider LowCardinality(String),
  flow_id String,
  intent LowCardinality(String),
  widget_key LowCardinality(String),
  calls SimpleAggregateFunction(sum, UInt64),
  errors SimpleAggregateFunction(sum, UInt64),
  prompt_tokens SimpleAggregateFunction(sum, UInt64),
  cached_prompt_tokens SimpleAggregateFunction(sum, UInt64),
  completion_tokens SimpleAggregateFunction(sum, UInt64),
  total_tokens SimpleAggregateFunction(sum, UInt64),
  cost_micros SimpleAggregateFunction(sum, Int64),
  conversations AggregateFunction(uniqExact, String)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (tenant_id, hour, model, provider, flow_id, intent, widget_key)
TTL hour + INTERVAL 25 MONTH
SETTINGS non_replicated_deduplication_window = 1000;

-- Fed in the same insert as `events`, which the sink writes exactly once per event_id, so every call
-- and every cost adjustment is summed once. Calls, errors and conversations count `llm.call` rows
-- only; an adjustment (same envelope and ts as its call) moves tokens by 0 and cost by its delta.
-- A conversation is a non-empty chat_session_id. No backfill: no `llm.call` event predates this view.
CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.token_spend_hourly_mv {{on_cluster}}
TO {{db}}.token_spend_hourly AS
SELECT
  tenant_id,
  toStartOfHour(ts) AS hour,
  JSONExtractString(props, 'model') AS model,
  JSONExtractString(props, 'provider') AS provider,
  flow_id,
  intent,
  widget_key,
  toUInt64(countIf(type = 'llm.call')) AS calls,
  toUInt64(countIf(type = 'llm.call' AND JSONExtractString(props, 'outcome') != 'ok')) AS errors,
  sum(JSONExtractUInt(props, 'prompt_tokens')) AS prompt_tokens,
  sum(JSONExtractUInt(props, 'cached_prompt_tokens')) AS cached_prompt_tokens,
  sum(JSONExtractUInt(props, 'completion_tokens')) AS completion_tokens,
  sum(JSONExtractUInt(props, 'total_tokens')) AS total_tokens,
  sum(JSONExtractInt(props, 'cost_micros')) AS cost_micros,
  uniqExactStateIf(chat_session_id, type = 'llm.call' AND chat_session_id != '') AS conversations
FROM {{db}}.events
WHERE type IN ('llm.call', 'llm.cost_adjusted')
GROUP BY tenant_id, hour, model, provider, flow_id, intent, widget_key;
