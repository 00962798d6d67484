-- LLM pricing and calls.
--
-- llm_prices: the versioned price catalog. A row is one price version for a model pattern (an exact
-- model name, or a prefix glob ending in `*` such as `gpt-4o-mini-2*`), per million tokens in USD micros,
-- in effect from `effective_from`. Rows are only ever added (a price change is a new row with its own
-- effective_from); `tenant_id` is a tenant's override, or the nil UUID for the global defaults.
-- ReplacingMergeTree only collapses a re-inserted identical row (same price_id), e.g. this seed when an
-- interrupted migration is re-run; read with FINAL.
CREATE TABLE IF NOT EXISTS {{db}}.llm_prices {{on_cluster}} (
  price_id UUID,
  tenant_id UUID,
  model_pattern String,
  input_micros_per_mtok UInt64,
  cached_input_micros_per_mtok UInt64,
  output_micros_per_mtok UInt64,
  currency LowCardinality(String),
  effective_from DateTime64(3, 'UTC'),
  note String,
  created_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(created_at)
ORDER BY (tenant_id, model_pattern, effective_from, price_id);

-- Global defaults: OpenAI's published standard-tier prices (https://openai.com/api/pricing/, USD per
-- 1M tokens: input / cached input / output), as read on 2025-08-07, in effect from 2024-01-01 so that
-- every recorded call finds a price. Each model has its alias (exact) and its dated snapshots (`-2*`).
-- The local FAQ responder costs nothing.
INSERT INTO {{db}}.llm_prices
  (price_id, tenant_id, model_pattern, input_micros_per_mtok, cached_input_micros_per_mtok,
   output_micros_per_mtok, currency, effective_from, note, created_at)
VALUES
  ('0b9f3a52-7c1e-4d0a-9e61-000000000001', '00000000-0000-0000-0000-000000000000', 'gpt-4o', 2500000, 1250000, 10000000, 'USD', '2024-01-01 00:00:00.000', 'seed: openai.com/api/pricing 2025-08-07', '2025-08-07 00:00:00.000'),
  ('0b9f3a52-7c1e-4d0a-9e61-000000000002', '00000000-0000-0000-0000-000000000000', 'gpt-4o-2*', 2500000, 1250000, 10000000, 'USD', '2024-01-01 00:00:00.000', 'seed: openai.com/api/pricing 2025-08-07', '2025-08-07 00:00:00.000'),
  ('0b9f3a52-7c1e-4d0a-9e61-000000000003', '00000000-0000-0000-0000-000000000000', 'gpt-4o-mini', 150000, 75000, 600000, 'USD', '2024-01-01 00:00:00.000', 'seed: openai.com/api/pricing 2025-08-07', '2025-08-07 00:00:00.000'),
  ('0b9f3a52-7c1e-4d0a-9e61-000000000004', '00000000-0000-0000-0000-000000000000', 'gpt-4o-mini-2*', 150000, 75000, 600000, 'USD', '2024-01-01 00:00:00.000', 'seed: openai.com/api/pricing 2025-08-07', '2025-08-07 00:00:00.000'),
  ('0b9f3a52-7c1e-4d0a-9e61-000000000005', '00000000-0000-0000-0000-000000000000', 'gpt-4.1', 2000000, 500000, 8000000, 'USD', '2024-01-01 00:00:00.000', 'seed: openai.com/api/pricing 2025-08-07', '2025-08-07 00:00:00.000'),
  ('0b9f3a52-7c1e-4d0a-9e61-000000000006', '00000000-0000-0000-0000-000000000000', 'gpt-4.1-2*', 2000000, 500000, 8000000, 'USD', '2024-01-01 00:00:00.000', 'seed: openai.com/api/pricing 2025-08-07', '2025-08-07 00:00:00.000'),
  ('0b9f3a52-7c1e-4d0a-9e61-000000000007', '00000000-0000-0000-0000-000000000000', 'gpt-4.1-mini', 400000, 100000, 1600000, 'USD', '2024-01-01 00:00:00.000', 'seed: openai.com/api/pricing 2025-08-07', '2025-08-07 00:00:00.000'),
  ('0b9f3a52-7c1e-4d0a-9e61-000000000008', '00000000-0000-0000-0000-000000000000', 'gpt-4.1-mini-2*', 400000, 100000, 1600000, 'USD', '2024-01-01 00:00:00.000', 'seed: openai.com/api/pricing 2025-08-07', '2025-08-07 00:00:00.000'),
  ('0b9f3a52-7c1e-4d0a-9e61-000000000009', '00000000-0000-0000-0000-000000000000', 'gpt-4.1-nano', 100000, 25000, 400000, 'USD', '2024-01-01 00:00:00.000', 'seed: openai.com/api/pricing 2025-08-07', '2025-08-07 00:00:00.000'),
  ('0b9f3a52-7c1e-4d0a-9e61-000000000010', '00000000-0000-0000-0000-000000000000', 'gpt-4.1-nano-2*', 100000, 25000, 400000, 'USD', '2024-01-01 00:00:00.000', 'seed: openai.com/api/pricing 2025-08-07', '2025-08-07 00:00:00.000'),
  ('0b9f3a52-7c1e-4d0a-9e61-000000000011', '00000000-0000-0000-0000-000000000000', 'gpt-5-mini', 250000, 25000, 2000000, 'USD', '2024-01-01 00:00:00.000', 'seed: openai.com/api/pricing 2025-08-07', '2025-08-07 00:00:00.000'),
  ('0b9f3a52-7c1e-4d0a-9e61-000000000012', '00000000-0000-0000-0000-000000000000', 'gpt-5-mini-2*', 250000, 25000, 2000000, 'USD', '2024-01-01 00:00:00.000', 'seed: openai.com/api/pricing 2025-08-07', '2025-08-07 00:00:00.000'),
  ('0b9f3a52-7c1e-4d0a-9e61-000000000013', '00000000-0000-0000-0000-000000000000', 'comerix-local-faq', 0, 0, 0, 'USD', '2024-01-01 00:00:00.000', 'seed: the local FAQ responder is free', '2025-08-07 00:00:00.000');

-- llm_calls: one row per `llm.call` event (kind 'call') or `llm.cost_adjusted` event (kind
-- 'adjustment', written by `comerix token-spend:backfill`), props unpacked into columns. A call's spend
-- is sum(cost_micros) over its call and adjustment rows; calls are counted on kind = 'call' only.
CREATE VIEW IF NOT EXISTS {{db}}.llm_calls {{on_cluster}} AS
SELECT
  tenant_id,
  event_id,
  JSONExtractString(props, 'call_id') AS call_id,
  if(type = 'llm.call', 'call', 'adjustment') AS kind,
  ts,
  chat_session_id,
  execution_id,
  intent,
  flow_id,
  flow_version,
  block_id AS node_id,
  widget_key,
  JSONExtractString(props, 'provider') AS provider,
  JSONExtractString(props, 'model') AS model,
  JSONExtractUInt(props, 'prompt_tokens') AS prompt_tokens,
  JSONExtractUInt(props, 'cached_prompt_tokens') AS cached_prompt_tokens,
  JSONExtractUInt(props, 'completion_tokens') AS completion_tokens,
  JSONExtractUInt(props, 'total_tokens') AS total_tokens,
  JSONExtractInt(props, 'cost_micros') AS cost_micros,
  JSONExtractString(props, 'cost_source') AS cost_source,
  JSONExtractString(props, 'price_id') AS price_id,
  JSONExtractUInt(props, 'latency_ms') AS latency_ms,
  JSONExtractString(props, 'outcome') AS outcome,
  JSONExtractString(props, 'error') AS error
FROM {{db}}.events
WHERE type IN ('llm.call', 'llm.cost_adjusted');
