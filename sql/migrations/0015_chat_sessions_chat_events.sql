-- chat_sessions of 0009, made of chat events only: the visitor's chat beacons (`widget.*`, `message.sent`,
-- `quick_question.clicked`, `block.rendered`, `form.submitted`) and the engine's chat events (`chat.*`,
-- `llm.call`, `llm.cost_adjusted`). A sale, refund or any other commerce or page event that names a chat
-- session (`conversion`, `purchase`, `cart.added`, `identify`, `page.viewed`, ...) is never part of it: in
-- 0009 such an event moved the session's end to its own time (a late sale became direct, and made the next
-- sales direct), gave the session its customer id (re-keying the person) and made an unknown chat session id
-- look known (skipping the fallback to the sale's other ids). Sales join a session through identity only.
-- Same columns; a session with no chat event has no row.
CREATE OR REPLACE VIEW {{db}}.chat_sessions {{on_cluster}} AS
SELECT
  tenant_id,
  chat_session_id,
  argMinIf(anonymous_id, ts, anonymous_id != '') AS anonymous_id,
  argMaxIf(customer_id, ts, customer_id != '') AS customer_id,
  argMinIf(widget_key, ts, widget_key != '') AS widget_key,
  min(ts) AS opened_at,
  max(ts) AS ended_at,
  toUInt8(countIf(type IN ('chat.message.received', 'message.sent', 'quick_question.clicked',
                           'chat.form.submitted', 'form.submitted')) > 0) AS engaged,
  if(engaged = 1,
     minIf(ts, type IN ('chat.message.received', 'message.sent', 'quick_question.clicked',
                        'chat.form.submitted', 'form.submitted')),
     NULL) AS touch_time,
  argMaxIf(intent, ts, intent != '') AS last_intent,
  argMaxIf(flow_id, ts, flow_id != '') AS last_flow_id,
  argMaxIf(JSONExtractString(props, 'question_id'), ts, type = 'quick_question.clicked') AS last_quick_question
FROM {{db}}.events
WHERE chat_session_id != ''
  AND (startsWith(type, 'chat.')
       OR type IN ('llm.call', 'llm.cost_adjusted', 'widget.loaded', 'widget.opened', 'widget.closed',
                   'message.sent', 'quick_question.clicked', 'block.rendered', 'form.submitted'))
GROUP BY tenant_id, chat_session_id;
