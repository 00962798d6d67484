import path from 'node:path'
import { z } from 'zod'

export const ROLES = ['api', 'sink', 'worker', 'scheduler'] as const
export type Role = (typeof ROLES)[number]

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional()

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback)

const hostPortList = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional()
  .refine(
    (value) => value === undefined || value.split(',').every((part) => /^[\w.-]+:\d+$/.test(part.trim())),
    { message: 'expected a comma-separated list of host:port' },
  )

const envSchema = z.object({
  PORT: port(3000),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().trim().min(1).default('./data'),
  CLICKHOUSE_URL: optionalString.refine((value) => value === undefined || /^https?:\/\/.+/.test(value), {
    message: 'expected an http(s):// URL of a ClickHouse server, or leave it unset for embedded chdb',
  }),
  CLICKHOUSE_USER: z.string().default('default'),
  CLICKHOUSE_PASSWORD: z.string().default(''),
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a plain identifier (letters, digits, underscore)')
    .default('comerix'),
  CLICKHOUSE_CLUSTER: optionalString.refine(
    (value) => value === undefined || /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(value),
    { message: 'expected a cluster name as defined in the server remote_servers config' },
  ),
  KAFKA_BROKERS: hostPortList,
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'expected letters, digits, dot, underscore or dash')
    .default('comerix.'),
  REDIS_URL: optionalString.refine((value) => value === undefined || /^rediss?:\/\/.+/.test(value), {
    message: 'expected a redis:// or rediss:// URL, or leave it unset for the local state store',
  }),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:._-]{1,64}$/, 'expected 1-64 letters, digits, colon, dot, underscore or dash')
    .default('comerix:'),
  ROLES: z
    .string()
    .default(ROLES.join(','))
    .transform((value) =>
      value
        .split(',')
        .map((role) => role.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(ROLES)).min(1, 'expected at least one role')),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  INGEST_MAX_EVENT_AGE_DAYS: z.coerce.number().int().min(1).max(35).default(7),
  INGEST_MAX_BATCH_EVENTS: z.coerce.number().int().min(1).max(5_000).default(500),
  INGEST_BODY_LIMIT_BYTES: z.coerce.number().int().min(1_024).max(16_777_216).default(524_288),
  INGEST_RATE_LIMIT_PER_KEY: z.coerce.number().int().min(1).default(2_000),
  INGEST_RATE_LIMIT_PER_IP: z.coerce.number().int().min(1).default(200),
  INGEST_COUNTRY_HEADER: optionalString.refine(
    (value) => value === undefined || /^[a-z0-9-]+$/i.test(value),
    {
      message: 'expected an HTTP header name such as cf-ipcountry',
    },
  ),
  TRUST_PROXY: z.enum(['true', 'false']).default('false'),
  SINK_BATCH_ROWS: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  SINK_BATCH_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(500),
  CONNECTIONS_ALLOW_PRIVATE_NETWORKS: z.enum(['true', 'false']).default('false'),
  CHAT_SESSION_TTL_SECONDS: z.coerce.number().int().min(1).max(2_592_000).default(86_400),
  CHAT_IDLE_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(2_592_000).default(1_800),
  CHAT_RATE_LIMIT_PER_SESSION: z.coerce.number().int().min(1).default(10),
  CHAT_MAX_STEPS_PER_TURN: z.coerce.number().int().min(1).max(10_000).default(100),
  CHAT_SESSIONS_PER_MINUTE_PER_IP: z.coerce.number().int().min(1).default(30),
  CHAT_SESSIONS_PER_MINUTE_PER_KEY: z.coerce.number().int().min(1).default(600),
  CHAT_TRIGGERS_PER_MINUTE_PER_SESSION: z.coerce.number().int().min(1).default(30),
  UPLOADS_PER_EXECUTION_FILES: z.coerce.number().int().min(1).default(10),
  UPLOADS_PER_EXECUTION_BYTES: z.coerce.number().int().min(1).default(52_428_800),
  UPLOADS_PER_SESSION_FILES: z.coerce.number().int().min(1).default(20),
  UPLOADS_PER_SESSION_BYTES: z.coerce.number().int().min(1).default(104_857_600),
  UPLOADS_PER_KEY_DAILY_FILES: z.coerce.number().int().min(1).default(1_000),
  UPLOADS_PER_KEY_DAILY_BYTES: z.coerce.number().int().min(1).default(1_073_741_824),
  WEBHOOK_RETRY_SCHEDULE_SECONDS: z
    .string()
    .trim()
    .default('5,30,120,600,1800,3600,10800,21600,43200,86400,86400')
    .refine((value) => /^\d+(\.\d+)?(,\d+(\.\d+)?){0,29}$/.test(value.replace(/\s/g, '')), {
      message: 'expected 1-30 comma-separated delays in seconds, one per retry (5,30,120,...)',
    }),
  WEBHOOK_DISABLE_AFTER_SECONDS: z.coerce.number().min(1).default(432_000),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(15_000),
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(15_000),
  HTTP_CONNECTION_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(120_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(72_000),
  ANALYST_SQL_PORT: z
    .string()
    .trim()
    .default('8123')
    .refine((value) => value === 'off' || (/^\d+$/.test(value) && Number(value) <= 65535), {
      message: 'expected a port (0-65535, 0 = any free port) or off',
    }),
  ANALYST_SQL_HOST: z.string().trim().min(1).default('127.0.0.1'),
  ANALYST_SQL_MAX_EXECUTION_SECONDS: z.coerce.number().int().min(1).max(3_600).default(10),
  ANALYST_SQL_MAX_RESULT_ROWS: z.coerce.number().int().min(1).default(1_000_000),
  ANALYST_SQL_MAX_RESULT_BYTES: z.coerce.number().int().min(1_024).default(104_857_600),
  ANALYST_SQL_MAX_MEMORY_BYTES: z.coerce.number().int().min(1_048_576).default(1_073_741_824),
  ANALYST_SQL_MAX_CONCURRENT: z.coerce.number().int().min(1).max(64).default(2),
  COMERIX_SECRET: optionalString.refine((value) => value === undefined || value.length >= 32, {
    message: 'expected at least 32 characters (generate one with `openssl rand -hex 32`)',
  }),
})

export interface Config {
  port: number
  host: string
  dataDir: string
  clickhouse: {
    url: string | undefined
    user: string
    password: string
    database: string
    cluster: string | undefined
  }
  kafka: { brokers: string[] | undefined; topicPrefix: string }
  redisUrl: string | undefined
  /** Every Redis key starts with it, so several installations can share one Redis. */
  redisKeyPrefix: string
  roles: Role[]
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL']
  ingest: {
    maxEventAgeDays: number
    maxBatchEvents: number
    bodyLimitBytes: number
    /** Events per second a widget key may send. */
    rateLimitPerKey: number
    /** Requests per second one client IP may send. */
    rateLimitPerIp: number
    countryHeader: string | undefined
  }
  trustProxy: boolean
  /** Socket limits of the HTTP server (slow clients cannot hold connections open). */
  http: {
    /** The whole request, headers and body, must arrive within this (else 408). */
    requestTimeoutMs: number
    /** The headers must arrive within this; at most requestTimeoutMs. */
    headersTimeoutMs: number
    /** A connection with no bytes in either direction for this long is closed (0: never). */
    connectionTimeoutMs: number
    /** An idle keep-alive connection is closed after this. */
    keepAliveTimeoutMs: number
  }
  sink: { batchRows: number; batchWaitMs: number }
  chat: {
    sessionTtlSeconds: number
    /** A `waiting_input` execution untouched this long is aborted. */
    idleTimeoutSeconds: number
    /** Loop guard: more node steps than this in one turn fails the execution. */
    maxStepsPerTurn: number
    /** Chat requests per second one session may send. */
    rateLimitPerSession: number
    /** Sessions one client IP may open per minute (sessions and their executions live in state). */
    sessionsPerMinutePerIp: number
    /** Sessions one widget key may open per minute. */
    sessionsPerMinutePerKey: number
    /** Intents one session may trigger per minute (each execution is kept in state for 7 days). */
    triggersPerMinutePerSession: number
  }
  /** Files and bytes that may be uploaded per execution, per chat session, per widget key per UTC day. */
  uploads: {
    perExecution: { files: number; bytes: number }
    perSession: { files: number; bytes: number }
    perKeyPerDay: { files: number; bytes: number }
  }
  /** Let connection nodes call private, loopback and link-local addresses (tests, on-premise APIs). */
  connectionsAllowPrivateNetworks: boolean
  /** Webhook delivery (engine/webhooks/WEBHOOKS.md); private networks follow connectionsAllowPrivateNetworks. */
  webhooks: {
    /** Delay before each retry, in ms: retry n waits retryScheduleMs[n - 1]. */
    retryScheduleMs: number[]
    /** An endpoint whose attempts have all failed for this long is disabled. */
    disableAfterMs: number
    timeoutMs: number
  }
  /** Server-side secret for signing; required once any distributed adapter is in use. */
  secret: string | undefined
  /** The analysts' ClickHouse HTTP endpoint (reports/analyst-sql); `port` undefined when ANALYST_SQL_PORT=off. */
  analystSql: {
    port: number | undefined
    host: string
    maxExecutionSeconds: number
    maxResultRows: number
    maxResultBytes: number
    maxMemoryBytes: number
    maxConcurrent: number
  }
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env)
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? 'environment')
        return `${name}=${JSON.stringify(env[name] ?? '')}: ${issue.message}`
      }),
    )
  }
  const e = parsed.data
  const distributed =
    e.CLICKHOUSE_URL !== undefined || e.KAFKA_BROKERS !== undefined || e.REDIS_URL !== undefined
  if (distributed && e.COMERIX_SECRET === undefined) {
    throw new ConfigError([
      'COMERIX_SECRET is unset: distributed mode (CLICKHOUSE_URL, KAFKA_BROKERS or REDIS_URL set) needs one shared secret of at least 32 characters for every process',
    ])
  }
  if (e.HTTP_HEADERS_TIMEOUT_MS > e.HTTP_REQUEST_TIMEOUT_MS) {
    throw new ConfigError([
      `HTTP_HEADERS_TIMEOUT_MS=${e.HTTP_HEADERS_TIMEOUT_MS} is longer than HTTP_REQUEST_TIMEOUT_MS=${e.HTTP_REQUEST_TIMEOUT_MS}: the headers are part of the request, so lower the first or raise the second`,
    ])
  }
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.DATA_DIR),
    clickhouse: {
      url: e.CLICKHOUSE_URL,
      user: e.CLICKHOUSE_USER,
      password: e.CLICKHOUSE_PASSWORD,
      database: e.CLICKHOUSE_DATABASE,
      cluster: e.CLICKHOUSE_CLUSTER,
    },
    kafka: {
      brokers: e.KAFKA_BROKERS?.split(',').map((broker) => broker.trim()),
      topicPrefix: e.KAFKA_TOPIC_PREFIX,
    },
    redisUrl: e.REDIS_URL,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    roles: e.ROLES,
    logLevel: e.LOG_LEVEL,
    ingest: {
      maxEventAgeDays: e.INGEST_MAX_EVENT_AGE_DAYS,
      maxBatchEvents: e.INGEST_MAX_BATCH_EVENTS,
      bodyLimitBytes: e.INGEST_BODY_LIMIT_BYTES,
      rateLimitPerKey: e.INGEST_RATE_LIMIT_PER_KEY,
      rateLimitPerIp: e.INGEST_RATE_LIMIT_PER_IP,
      countryHeader: e.INGEST_COUNTRY_HEADER?.toLowerCase(),
    },
    trustProxy: e.TRUST_PROXY === 'true',
    http: {
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      connectionTimeoutMs: e.HTTP_CONNECTION_TIMEOUT_MS,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    },
    sink: { batchRows: e.SINK_BATCH_ROWS, batchWaitMs: e.SINK_BATCH_WAIT_MS },
    chat: {
      sessionTtlSeconds: e.CHAT_SESSION_TTL_SECONDS,
      idleTimeoutSeconds: e.CHAT_IDLE_TIMEOUT_SECONDS,
      maxStepsPerTurn: e.CHAT_MAX_STEPS_PER_TURN,
      rateLimitPerSession: e.CHAT_RATE_LIMIT_PER_SESSION,
      sessionsPerMinutePerIp: e.CHAT_SESSIONS_PER_MINUTE_PER_IP,
      sessionsPerMinutePerKey: e.CHAT_SESSIONS_PER_MINUTE_PER_KEY,
      triggersPerMinutePerSession: e.CHAT_TRIGGERS_PER_MINUTE_PER_SESSION,
    },
    uploads: {
      perExecution: { files: e.UPLOADS_PER_EXECUTION_FILES, bytes: e.UPLOADS_PER_EXECUTION_BYTES },
      perSession: { files: e.UPLOADS_PER_SESSION_FILES, bytes: e.UPLOADS_PER_SESSION_BYTES },
      perKeyPerDay: { files: e.UPLOADS_PER_KEY_DAILY_FILES, bytes: e.UPLOADS_PER_KEY_DAILY_BYTES },
    },
    connectionsAllowPrivateNetworks: e.CONNECTIONS_ALLOW_PRIVATE_NETWORKS === 'true',
    webhooks: {
      retryScheduleMs: e.WEBHOOK_RETRY_SCHEDULE_SECONDS.replace(/\s/g, '')
        .split(',')
        .map((seconds) => Math.round(Number(seconds) * 1000)),
      disableAfterMs: e.WEBHOOK_DISABLE_AFTER_SECONDS * 1000,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
    },
    secret: e.COMERIX_SECRET,
    analystSql: {
      port: e.ANALYST_SQL_PORT === 'off' ? undefined : Number(e.ANALYST_SQL_PORT),
      host: e.ANALYST_SQL_HOST,
      maxExecutionSeconds: e.ANALYST_SQL_MAX_EXECUTION_SECONDS,
      maxResultRows: e.ANALYST_SQL_MAX_RESULT_ROWS,
      maxResultBytes: e.ANALYST_SQL_MAX_RESULT_BYTES,
      maxMemoryBytes: e.ANALYST_SQL_MAX_MEMORY_BYTES,
      maxConcurrent: e.ANALYST_SQL_MAX_CONCURRENT,
    },
  }
}
