-- The sink now asks `events` itself which ids are stored. `event_ids` was filled by a materialized view
-- that commits its part after the `events` part, so a crash between the two left stored events the
-- lookup could not see, and a redelivery stored them twice.
DROP VIEW IF EXISTS {{db}}.event_ids_mv {{on_cluster}};

DROP TABLE IF EXISTS {{db}}.event_ids {{on_cluster}};
