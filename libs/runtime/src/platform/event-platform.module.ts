import { cloudEventCodec, Streams } from '@app/contracts';
import { HealthModule } from '@app/health';
import { EventPublisher, JetStreamServer, MessagingModule, type MessagingModuleOptions } from '@app/messaging';
import { type Migration, PersistenceModule } from '@app/persistence';
import { BreakerRegistry, type ResilienceEnvVars, ResilienceModule, resilienceOptionsFromEnv } from '@app/resilience';
import { restoreContext, serializeContext, TelemetryModule, traceLogMixin } from '@app/telemetry';
import { type DynamicModule, type INestApplication, Module } from '@nestjs/common';

import type { CommonEnv } from '../common.env';
import { setLogMixin } from '../logger.options';
import { PlatformHealth } from './platform.health';
import { PlatformMetrics } from './platform.metrics';

/** Name of the circuit breaker around the outbox relay's publishing (in `/health/ready` details and metrics). */
export const NATS_PUBLISH_DEPENDENCY = 'nats-publish';

export interface EventPlatformOptions {
  /** `order-service`, ...: names durable consumers, the DLQ subjects, the database directory. */
  serviceName: string;
  /** PostgreSQL schema the service owns. */
  schema: string;
  /** The service's migrations. */
  migrations: readonly Migration[];
  /** Names of the streams this service owns (creates and updates), from `Streams`. */
  ownedStreams: readonly string[];
  /** The app's validated environment: NATS, database, consumer and resilience settings come from it. */
  env: CommonEnv & ResilienceEnvVars;
}

/** Builds the messaging options from the validated environment. */
export function messagingOptionsFromEnv(serviceName: string, env: CommonEnv, ownedStreams: readonly string[]): MessagingModuleOptions {
  return {
    serviceName,
    connection: {
      servers: env.NATS_URL.split(',').map((server) => server.trim()),
      name: serviceName,
      // Start (and answer liveness) while NATS is down; readiness reports it and consumers start once it is back.
      waitForFirstConnect: false,
      token: env.NATS_TOKEN,
      user: env.NATS_USER,
      pass: env.NATS_PASSWORD,
      nkeySeed: env.NATS_NKEY_SEED,
      credsFile: env.NATS_CREDS_FILE,
      inboxPrefix: env.NATS_INBOX_PREFIX,
      tls:
        env.NATS_TLS_CA_FILE || env.NATS_TLS_CERT_FILE
          ? { caFile: env.NATS_TLS_CA_FILE, certFile: env.NATS_TLS_CERT_FILE, keyFile: env.NATS_TLS_KEY_FILE }
          : undefined,
    },
    streams: Streams.filter((stream) => ownedStreams.includes(stream.name)),
    streamReplicas: env.NATS_STREAM_REPLICAS,
    dlq: true,
    codec: cloudEventCodec,
    consumer: { concurrency: env.NATS_CONSUMER_CONCURRENCY, ackWaitMs: env.NATS_ACK_WAIT_MS, maxDeliver: env.NATS_MAX_DELIVER },
  };
}

/**
 * Everything an event-driven service of this system runs on, composed once: telemetry (with the backlog gauges),
 * resilience, health probes, the JetStream transport and publisher, and the database with its outbox (published
 * through a circuit breaker) and inbox. Each lib's module wires its own providers; this module only imports them,
 * each with its options taken from the app's validated environment. Each app imports it with its own schema,
 * migrations and streams.
 */
@Module({})
export class EventPlatformModule {
  constructor() {
    // trace_id/span_id on every log line from the active context, whether or not OpenTelemetry patched pino.
    setLogMixin(() => ({ ...traceLogMixin() }));
  }

  static forRoot(options: EventPlatformOptions): DynamicModule {
    const { env } = options;
    return {
      module: EventPlatformModule,
      imports: [
        TelemetryModule,
        ResilienceModule.forRoot({ defaults: resilienceOptionsFromEnv(env) }),
        HealthModule,
        MessagingModule.forRoot(messagingOptionsFromEnv(options.serviceName, env, options.ownedStreams)),
        PersistenceModule.forRootAsync({
          inject: [EventPublisher, BreakerRegistry],
          useFactory: (publisher: EventPublisher, breakers: BreakerRegistry) => {
            // Publishing has its own relay backoff: no retries here, only the breaker (and a generous timeout).
            const gate = breakers.create(NATS_PUBLISH_DEPENDENCY, { timeoutMs: 10_000, retry: { maxAttempts: 1 } });
            return {
              serviceName: options.serviceName,
              schema: options.schema,
              databaseUrl: env.DATABASE_URL,
              poolSize: env.DATABASE_POOL_SIZE,
              dataDir: env.DATA_DIR,
              migrations: options.migrations,
              codec: cloudEventCodec,
              publisher: {
                publish: (subject, data, { msgId, headers }) => publisher.publishRaw(subject, data, { msgId, headers }),
              },
              gate,
              tracing: { capture: serializeContext, restore: restoreContext },
            };
          },
        }),
      ],
      providers: [PlatformHealth, PlatformMetrics],
    };
  }
}

/** Attaches the JetStream transport to the HTTP app; handlers inherit its pipes, interceptors and filters. */
export function connectEventTransport(app: INestApplication): void {
  app.connectMicroservice({ strategy: app.get(JetStreamServer) }, { inheritAppConfig: true });
}
