-- conversion_settings gets the created_at every other control table has, so it is read and written like
-- them (platform/clickhouse/control-table.ts); rows written before carry their updated_at.
ALTER TABLE {{db}}.conversion_settings {{on_cluster}}
  ADD COLUMN IF NOT EXISTS created_at DateTime64(3, 'UTC') DEFAULT updated_at;
