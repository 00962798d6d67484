-- Report schedules (durable config), their run history and the files they produced.

-- One row version per change; read with FINAL. The signing secret is stored only sealed
-- (platform/crypto/secret-box.ts, bound to tenant and schedule). `active_since` is when the schedule
-- last became due-able (created, resumed, or its cron/timezone changed): earlier occurrences never run.
CREATE TABLE IF NOT EXISTS {{db}}.report_schedules {{on_cluster}} (
  tenant_id UUID,
  schedule_id UUID,
  report_id String,
  cron String,
  timezone String,
  format LowCardinality(String),
  endpoint_url String,
  secret_ciphertext String,
  paused UInt8,
  active_since DateTime64(3, 'UTC'),
  created_at DateTime64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC'),
  deleted UInt8 DEFAULT 0
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (tenant_id, schedule_id);

-- A run moves queued -> running -> succeeded | failed; each step inserts a newer version (FINAL).
CREATE TABLE IF NOT EXISTS {{db}}.report_runs {{on_cluster}} (
  tenant_id UUID,
  schedule_id UUID,
  run_id UUID,
  report_id String,
  trigger LowCardinality(String),
  status LowCardinality(String),
  format LowCardinality(String),
  scheduled_for DateTime64(3, 'UTC'),
  started_at DateTime64(3, 'UTC'),
  finished_at DateTime64(3, 'UTC'),
  duration_ms UInt64,
  rows UInt64,
  bytes UInt64,
  attempts UInt16,
  http_status UInt16,
  error String,
  artifact_id String,
  artifact_path String,
  artifact_expires_at DateTime64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated_at)
PARTITION BY toYYYYMM(scheduled_for)
ORDER BY (tenant_id, schedule_id, run_id)
TTL toDateTime(scheduled_for) + INTERVAL 400 DAY;

-- The exported file of a run, served by its expiring link; `data` is the file as base64. Keyed by
-- artifact id alone because the link carries no tenant. Rows go a day after the link expires.
CREATE TABLE IF NOT EXISTS {{db}}.report_artifacts {{on_cluster}} (
  artifact_id UUID,
  tenant_id UUID,
  schedule_id UUID,
  run_id UUID,
  filename String,
  content_type LowCardinality(String),
  bytes UInt64,
  link_key String,
  data String CODEC(ZSTD(3)),
  created_at DateTime64(3, 'UTC'),
  expires_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(created_at)
ORDER BY artifact_id
TTL toDateTime(expires_at) + INTERVAL 1 DAY;
