-- Webhooks (engine/webhooks/WEBHOOKS.md): tenant endpoints, the events sent to them, every delivery attempt.

-- One row version per change; read with FINAL. The signing secret, and the previous one while a rotation's
-- overlap lasts, are stored only sealed (platform/crypto/secret-box.ts, bound to tenant and endpoint).
-- `event_types` holds exact names and `prefix.*` wildcards. `enabled` = 0 with `disabled_reason`
-- 'manual' (PATCH), 'gone' (the endpoint answered 410) or 'failing' (every attempt failed for days).
CREATE TABLE IF NOT EXISTS {{db}}.webhook_endpoints {{on_cluster}} (
  tenant_id UUID,
  endpoint_id UUID,
  url String,
  description String,
  event_types Array(String),
  enabled UInt8,
  disabled_reason LowCardinality(String),
  disabled_at DateTime64(3, 'UTC'),
  secret_ciphertext String,
  previous_secret_ciphertext String,
  previous_secret_expires_at DateTime64(3, 'UTC'),
  created_at DateTime64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC'),
  deleted UInt8 DEFAULT 0
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (tenant_id, endpoint_id);

-- The events sent to endpoints, kept for replay: one row per event (the same message goes to every
-- endpoint that subscribes). The payload may hold form values, so it is stored sealed.
CREATE TABLE IF NOT EXISTS {{db}}.webhook_messages {{on_cluster}} (
  tenant_id UUID,
  message_id String,
  event_type LowCardinality(String),
  payload_sealed String CODEC(ZSTD(3)),
  created_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(created_at)
PARTITION BY toYYYYMM(created_at)
ORDER BY (tenant_id, message_id)
TTL toDateTime(created_at) + INTERVAL 30 DAY;

-- Every delivery attempt: `status` is delivered, retrying (another attempt is scheduled at
-- `next_attempt_at`) or failed (no further attempt). `trigger` says what queued it: event, replay, test.
CREATE TABLE IF NOT EXISTS {{db}}.webhook_attempts {{on_cluster}} (
  tenant_id UUID,
  endpoint_id UUID,
  message_id String,
  event_type LowCardinality(String),
  trigger LowCardinality(String),
  attempt UInt16,
  status LowCardinality(String),
  http_status UInt16,
  latency_ms UInt32,
  error String,
  response_excerpt String,
  attempted_at DateTime64(3, 'UTC'),
  next_attempt_at Nullable(DateTime64(3, 'UTC'))
) ENGINE = MergeTree
PARTITION BY toYYYYMM(attempted_at)
ORDER BY (tenant_id, endpoint_id, attempted_at, message_id)
TTL toDateTime(attempted_at) + INTERVAL 30 DAY;
