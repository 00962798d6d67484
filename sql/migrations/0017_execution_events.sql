-- execution_events: the engine's events of chat executions (source 'engine', an execution id), with the
-- props that readers filter and group on decoded once here ('' on events of other types), so no reader
-- re-decodes the JSON:
--   message_kind  chat.message.received: 'trigger' (an intent was triggered) or 'resume' (an answer)
--   status_from, status_to, error_code   chat.execution.status_changed
--   block_type    chat.block.rendered: the rendered block's type (text, buttons, form, ...)
-- Every other column is the event's own; `props` stays for what a reader shows as is (the step trace).
CREATE OR REPLACE VIEW {{db}}.execution_events {{on_cluster}} AS
SELECT
  tenant_id,
  ts,
  type,
  execution_id,
  chat_session_id,
  widget_key,
  anonymous_id,
  intent,
  flow_id,
  flow_version,
  block_id,
  if(type = 'chat.message.received', JSONExtractString(props, 'kind'), '') AS message_kind,
  if(type = 'chat.execution.status_changed', JSONExtractString(props, 'from'), '') AS status_from,
  if(type = 'chat.execution.status_changed', JSONExtractString(props, 'to'), '') AS status_to,
  if(type = 'chat.execution.status_changed', JSONExtractString(props, 'error'), '') AS error_code,
  if(type = 'chat.block.rendered', JSONExtractString(props, 'block_type'), '') AS block_type,
  props
FROM {{db}}.events
WHERE source = 'engine' AND execution_id != '';
