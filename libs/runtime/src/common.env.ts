import 'reflect-metadata';

import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';

import { IsNatsServerList, IsOnlyNatsAuthentication, IsPostgresUrl } from './env.validators';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * Variables every service reads. Each app extends this class with its own; `.env.example` documents them all.
 * Values arrive as strings from the environment and are converted explicitly (`@Type`), so `PORT=abc` is an error,
 * never a silent NaN.
 */
export class CommonEnv {
  /** HTTP port (health, metrics, and the API on order-service). The default differs per app. */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer between 1 and 65535' })
  @Min(1, { message: 'must be an integer between 1 and 65535' })
  @Max(65535, { message: 'must be an integer between 1 and 65535' })
  PORT!: number;

  /** Comma-separated NATS server URLs. */
  @IsNatsServerList()
  NATS_URL: string = 'nats://127.0.0.1:4222';

  /** NATS authentication: a token, a user and password, an NKey seed, or a credentials (.creds) file. */
  @IsOptional()
  @IsString()
  @IsOnlyNatsAuthentication()
  NATS_TOKEN?: string;

  @IsOptional()
  @IsString()
  @IsOnlyNatsAuthentication()
  NATS_USER?: string;

  @IsOptional()
  @IsString()
  NATS_PASSWORD?: string;

  @IsOptional()
  @IsString()
  @IsOnlyNatsAuthentication()
  NATS_NKEY_SEED?: string;

  /**
   * Prefix of the connection's reply inboxes; default `_INBOX_<service>`, which the NATS users of
   * docker/nats/nats-server.conf may each subscribe to alone. Change it only together with those permissions.
   */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, {
    message: 'must be a NATS subject of letters, digits, _ and - (no wildcards), e.g. _INBOX_order-service',
  })
  NATS_INBOX_PREFIX?: string;

  @IsOptional()
  @IsString()
  @IsOnlyNatsAuthentication()
  NATS_CREDS_FILE?: string;

  /** TLS towards NATS: CA bundle, and client certificate and key for mutual TLS (file paths). */
  @IsOptional()
  @IsString()
  NATS_TLS_CA_FILE?: string;

  @IsOptional()
  @IsString()
  NATS_TLS_CERT_FILE?: string;

  @IsOptional()
  @IsString()
  NATS_TLS_KEY_FILE?: string;

  /**
   * Handlers running at once per consumer (per subject the service consumes). High enough that a slow dependency
   * (the gateway's 50 ms) does not cap throughput below what the CPU can do: 64 x 20/s = 1,280 payments/s.
   */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer between 1 and 1024' })
  @Min(1, { message: 'must be an integer between 1 and 1024' })
  @Max(1024, { message: 'must be an integer between 1 and 1024' })
  NATS_CONSUMER_CONCURRENCY: number = 64;

  /** How long JetStream waits for an ack before redelivering (handlers signal progress while they work). */
  @Type(() => Number)
  @IsInt({ message: 'must be a whole number of milliseconds >= 1000' })
  @Min(1000, { message: 'must be a whole number of milliseconds >= 1000' })
  NATS_ACK_WAIT_MS: number = 30_000;

  /** Deliveries of one message before it goes to the dead-letter stream. */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer between 1 and 100' })
  @Min(1, { message: 'must be an integer between 1 and 100' })
  @Max(100, { message: 'must be an integer between 1 and 100' })
  NATS_MAX_DELIVER: number = 5;

  /**
   * Replicas of every stream this service owns and of the DLQ stream (consumers follow their stream): 1 on a single
   * server, 3 on a three-node JetStream cluster. A running stream with another count is scaled to it at start-up.
   */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer between 1 and 5' })
  @Min(1, { message: 'must be an integer between 1 and 5' })
  @Max(5, { message: 'must be an integer between 1 and 5' })
  NATS_STREAM_REPLICAS: number = 1;

  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevel = 'info';

  /** `json` (one object per line) or `pretty`; unset: pretty when stdout is a terminal, JSON otherwise. */
  @IsOptional()
  @IsIn(LOG_FORMATS, { message: `must be one of ${LOG_FORMATS.join(', ')}` })
  LOG_FORMAT?: LogFormat;

  /** PostgreSQL connection string; unset selects the embedded database under DATA_DIR. */
  @IsOptional()
  @IsPostgresUrl()
  DATABASE_URL?: string;

  /**
   * PostgreSQL connections per process. A handler holds one only for its transaction (never across a gateway or
   * NATS call), so a few serve many handlers; replicas x services x this must stay below the server's max_connections.
   */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer between 1 and 100' })
  @Min(1, { message: 'must be an integer between 1 and 100' })
  @Max(100, { message: 'must be an integer between 1 and 100' })
  DATABASE_POOL_SIZE: number = 10;

  /** Upper bound for a graceful shutdown; past it the process exits 1. Keep it below the orchestrator's grace period. */
  @Type(() => Number)
  @IsInt({ message: 'must be a whole number of milliseconds >= 1000' })
  @Min(1000, { message: 'must be a whole number of milliseconds >= 1000' })
  SHUTDOWN_TIMEOUT_MS: number = 25_000;

  /** Wait after SIGTERM with readiness already 503, so load balancers drop the instance before it stops. */
  @Type(() => Number)
  @IsInt({ message: 'must be a whole number of milliseconds >= 0' })
  @Min(0, { message: 'must be a whole number of milliseconds >= 0' })
  SHUTDOWN_DELAY_MS: number = 0;

  /**
   * `true`: stop gracefully, as on SIGTERM, when the process that started this one exits (a launcher or shell that
   * died without passing its signal on). Set `false` to keep a service running detached from its starter (`nohup`).
   */
  @IsIn(['true', 'false'], { message: 'must be true or false' })
  STOP_WITH_PARENT: 'true' | 'false' = 'true';

  /**
   * How often the backlog gauges on `/metrics` (consumer lag, outbox backlog, DLQ depth) are re-read from NATS and
   * the database, in the background; a scrape reports the last reading and never waits for one.
   */
  @Type(() => Number)
  @IsInt({ message: 'must be a whole number of milliseconds between 100 and 300000' })
  @Min(100, { message: 'must be a whole number of milliseconds between 100 and 300000' })
  @Max(300_000, { message: 'must be a whole number of milliseconds between 100 and 300000' })
  METRICS_REFRESH_INTERVAL_MS: number = 5000;

  /** Where embedded data (PGlite, a NATS store started by `npm start`) lives. */
  @IsString()
  @MinLength(1, { message: 'must not be empty' })
  DATA_DIR: string = '.data';
}
