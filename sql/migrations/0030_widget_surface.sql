-- The widget surface: per-key widget settings and tenant forms. Both follow the flows' model (0003): an
-- editable draft in a ReplacingMergeTree control table, and immutable published versions beside it. The
-- public reads serve the published version only, from a document rendered once at publish time (state port).

CREATE TABLE IF NOT EXISTS {{db}}.widget_settings {{on_cluster}} (
  tenant_id UUID,
  public_key String,
  draft String,
  published_version UInt32,
  latest_version UInt32,
  created_at DateTime64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC'),
  deleted UInt8 DEFAULT 0
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (tenant_id, public_key);

CREATE TABLE IF NOT EXISTS {{db}}.widget_settings_versions {{on_cluster}} (
  tenant_id UUID,
  public_key String,
  version UInt32,
  document String,
  published_by String,
  created_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(created_at)
ORDER BY (tenant_id, public_key, version);

CREATE TABLE IF NOT EXISTS {{db}}.forms {{on_cluster}} (
  tenant_id UUID,
  form_id UUID,
  name String,
  draft String,
  published_version UInt32,
  latest_version UInt32,
  created_at DateTime64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC'),
  deleted UInt8 DEFAULT 0
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (tenant_id, form_id);

CREATE TABLE IF NOT EXISTS {{db}}.form_versions {{on_cluster}} (
  tenant_id UUID,
  form_id UUID,
  version UInt32,
  name String,
  document String,
  published_by String,
  created_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(created_at)
ORDER BY (tenant_id, form_id, version);
