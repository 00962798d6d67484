-- Saved reports of the Analytics Hub: one row per version of a report's spec (ReportSpec as JSON,
-- see reports/README.md). Read with FINAL; an update writes a newer row, a delete one with deleted = 1.
CREATE TABLE IF NOT EXISTS {{db}}.reports {{on_cluster}} (
  tenant_id UUID,
  report_id String,
  title String,
  spec String,
  created_at DateTime64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC'),
  deleted UInt8 DEFAULT 0
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (tenant_id, report_id);

-- Dashboards: named boards of tiles.
CREATE TABLE IF NOT EXISTS {{db}}.dashboards {{on_cluster}} (
  tenant_id UUID,
  dashboard_id String,
  name String,
  description String,
  created_at DateTime64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC'),
  deleted UInt8 DEFAULT 0
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (tenant_id, dashboard_id);

-- A saved report pinned to a dashboard: how it is drawn (visualization), its size and position on
-- a 12-column grid.
CREATE TABLE IF NOT EXISTS {{db}}.dashboard_tiles {{on_cluster}} (
  tenant_id UUID,
  dashboard_id String,
  tile_id String,
  report_id String,
  visualization LowCardinality(String),
  width UInt8,
  height UInt8,
  x UInt8,
  y UInt16,
  created_at DateTime64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC'),
  deleted UInt8 DEFAULT 0
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (tenant_id, dashboard_id, tile_id);
