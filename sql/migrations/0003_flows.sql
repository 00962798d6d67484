-- Flows: a tenant edits a draft; publishing freezes it as an immutable version. At most one
-- published flow per (tenant, intent); executions keep running on the version they started with.

CREATE TABLE IF NOT EXISTS {{db}}.flows {{on_cluster}} (
  tenant_id UUID,
  flow_id UUID,
  intent LowCardinality(String),
  name String,
  draft String,
  published_version UInt32,
  latest_version UInt32,
  created_at DateTime64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC'),
  deleted UInt8 DEFAULT 0
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (tenant_id, flow_id);

CREATE TABLE IF NOT EXISTS {{db}}.flow_versions {{on_cluster}} (
  tenant_id UUID,
  flow_id UUID,
  version UInt32,
  intent LowCardinality(String),
  name String,
  document String,
  published_by String,
  created_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(created_at)
ORDER BY (tenant_id, flow_id, version);
