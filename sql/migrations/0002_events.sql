-- Every telemetry beacon, engine event and backend event, one row each, exactly once.
-- Sort key: tenant first (every query filters by it), then day and type (engagement and goal queries
-- read ranges of days for a few types), then event_id so that the ReplacingMergeTree collapses any
-- duplicate that slipped past the sink's dedup on merge.
CREATE TABLE IF NOT EXISTS {{db}}.events {{on_cluster}} (
  tenant_id UUID,
  event_id UUID,
  type LowCardinality(String),
  source LowCardinality(String),
  ts DateTime64(3, 'UTC'),
  received_at DateTime64(3, 'UTC'),
  widget_key LowCardinality(String),
  anonymous_id String,
  session_id String,
  chat_session_id String,
  execution_id String,
  customer_id String,
  intent LowCardinality(String),
  flow_id String,
  flow_version UInt32,
  block_id String,
  url String,
  url_host LowCardinality(String),
  url_path String,
  referrer String,
  referrer_host LowCardinality(String),
  utm_source LowCardinality(String),
  utm_medium LowCardinality(String),
  utm_campaign String,
  utm_term String,
  utm_content String,
  click_id_type LowCardinality(String),
  click_id String,
  user_agent String,
  browser LowCardinality(String),
  browser_version LowCardinality(String),
  os LowCardinality(String),
  device_type LowCardinality(String),
  country LowCardinality(String),
  props String,
  value_micros Int64,
  currency LowCardinality(String)
) ENGINE = ReplacingMergeTree(received_at)
PARTITION BY toYYYYMM(ts)
ORDER BY (tenant_id, toDate(ts), type, event_id)
TTL toDateTime(ts) + INTERVAL 25 MONTH
SETTINGS non_replicated_deduplication_window = 1000;

-- The ids the sink has stored, keyed for point lookups: the sink asks this table which ids of a batch
-- are already present before inserting, so a client retry or a redelivered batch is counted once in
-- every query, not only after merges. Filled by the materialized view in the same insert as events.
CREATE TABLE IF NOT EXISTS {{db}}.event_ids {{on_cluster}} (
  tenant_id UUID,
  event_id UUID,
  received_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(received_at)
ORDER BY (tenant_id, event_id)
TTL toDateTime(received_at) + INTERVAL 40 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.event_ids_mv {{on_cluster}} TO {{db}}.event_ids AS
SELECT tenant_id, event_id, received_at FROM {{db}}.events;

-- Records the sink could not store, with the reason, so nothing accepted disappears silently.
CREATE TABLE IF NOT EXISTS {{db}}.events_dead_letter {{on_cluster}} (
  received_at DateTime64(3, 'UTC'),
  topic LowCardinality(String),
  partition UInt32,
  offset UInt64,
  error String,
  payload String
) ENGINE = MergeTree
PARTITION BY toYYYYMM(received_at)
ORDER BY (received_at, topic, partition, offset)
TTL toDateTime(received_at) + INTERVAL 90 DAY
SETTINGS non_replicated_deduplication_window = 1000;
