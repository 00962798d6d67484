-- Tenants and their credentials. Control tables are versioned rows (ReplacingMergeTree on updated_at)
-- read with FINAL, so the newest version of each row wins in both embedded and server modes.

CREATE TABLE IF NOT EXISTS {{db}}.tenants {{on_cluster}} (
  tenant_id UUID,
  slug String,
  name String,
  created_at DateTime64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC'),
  deleted UInt8 DEFAULT 0
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY tenant_id;

-- Secret keys are stored as SHA-256 of the full key; the plaintext is shown once, at creation.
CREATE TABLE IF NOT EXISTS {{db}}.secret_keys {{on_cluster}} (
  key_hash FixedString(64),
  key_id String,
  tenant_id UUID,
  name String,
  scopes Array(LowCardinality(String)),
  display_prefix String,
  created_at DateTime64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC'),
  revoked UInt8 DEFAULT 0
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY key_hash;

CREATE TABLE IF NOT EXISTS {{db}}.widget_keys {{on_cluster}} (
  public_key String,
  tenant_id UUID,
  name String,
  allowed_origins Array(String),
  all_intents UInt8,
  intents Array(String),
  created_at DateTime64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC'),
  revoked UInt8 DEFAULT 0
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY public_key;
