-- Files a visitor uploads for a form's `file` field, bound to the execution waiting on that form.
-- Kept in ClickHouse so uploads work the same embedded and distributed; size is capped per field
-- (20 MiB at most), `data` holds the bytes as base64, and rows expire after 30 days.
CREATE TABLE IF NOT EXISTS {{db}}.uploads {{on_cluster}} (
  tenant_id UUID,
  upload_id String,
  execution_id String,
  field String,
  filename String,
  content_type LowCardinality(String),
  size UInt64,
  sha256 FixedString(64),
  data String CODEC(ZSTD(3)),
  created_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(created_at)
ORDER BY (tenant_id, upload_id)
TTL toDateTime(created_at) + INTERVAL 30 DAY;
