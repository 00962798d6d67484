/** The log topic every event travels through, and the consumer group that stores it in ClickHouse. */
export const EVENTS_TOPIC = 'events'
export const SINK_GROUP = 'clickhouse-sink'
