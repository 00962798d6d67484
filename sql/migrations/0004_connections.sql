-- Connections: tenant-managed HTTP endpoints called by flow `connection` nodes. The bearer token or
-- header value is stored only as AES-256-GCM ciphertext (platform/crypto/secret-box.ts), bound to
-- its tenant and name, so a copied ciphertext does not decrypt under another row.

CREATE TABLE IF NOT EXISTS {{db}}.connections {{on_cluster}} (
  tenant_id UUID,
  name String,
  base_url String,
  auth_kind LowCardinality(String),
  auth_header_name String,
  secret_ciphertext String,
  timeout_ms UInt32,
  created_at DateTime64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC'),
  deleted UInt8 DEFAULT 0
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (tenant_id, name);
