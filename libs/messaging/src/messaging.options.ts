import type { FactoryProvider, ModuleMetadata } from '@nestjs/common';

import { DEFAULTS } from './messaging.constants';

/** Why a payload could not be decoded; every kind is poison (DLQ, never retried). */
export type DecodeFailureKind = 'malformed' | 'invalid' | 'unsupported-version' | 'unknown-type';

/** `kind` is a {@link DecodeFailureKind} for this library's codecs; another codec may name its own kinds. */
export type DecodeResult<T> = { ok: true; value: T } | { ok: false; kind: string; reason: string };

/**
 * How events become bytes and back. `@app/contracts`' `cloudEventCodec` fits this shape; messaging does not depend
 * on contracts so any codec can be used.
 */
export interface MessageCodec<T = unknown> {
  /** Validates and serializes an event (publisher side); throws when the event is invalid. */
  encode(event: T): { subject: string; msgId: string; data: Uint8Array };
  /** Tolerant decode (consumer side); never throws. */
  decode(subject: string, data: Uint8Array): DecodeResult<T>;
}

/** A stream this service owns (creates and updates). */
export interface StreamSpec {
  name: string;
  subjects: string[];
  /** Default 2 minutes; never less (dedupe of outbox retries relies on it). */
  duplicateWindowMs?: number;
  /** Optional limits; 0/undefined = unlimited. */
  maxAgeMs?: number;
  description?: string;
}

export interface NatsConnectionOptions {
  servers: string | string[];
  name?: string;
  token?: string;
  user?: string;
  pass?: string;
  nkeySeed?: string;
  credsFile?: string;
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  /**
   * Subject prefix of this connection's reply inboxes (JetStream API replies, publish acks, pulled messages).
   * Default `_INBOX_<serviceName>` (see `inboxPrefixFor`): a prefix per service lets the NATS server allow each user
   * to subscribe to its own replies only (docker/nats/nats-server.conf), where the shared `_INBOX.` would not.
   */
  inboxPrefix?: string;
  /** Wait between reconnect attempts (default 2000). */
  reconnectTimeWaitMs?: number;
  /** Random extra wait added to each reconnect attempt (default 500). */
  reconnectJitterMs?: number;
  /**
   * true (default): start-up waits for the first NATS server, and a stream conflict fails start-up.
   * false: start-up goes on without NATS (HTTP and liveness come up); connecting, provisioning and consumers start
   * when a server answers, and provisioning failures show in `MessagingHealth.provisioning()`.
   */
  waitForFirstConnect?: boolean;
}

export interface ConsumerSettings {
  /** Handlers running at once per consumer in this replica (default 16). */
  concurrency?: number;
  /**
   * Messages fetched per pull request (default the larger of 128 and twice `concurrency`); independent of
   * concurrency so a pull is not needed every few messages. The client asks for more when a quarter is left.
   */
  pullBatch?: number;
  /** Ack wait (default 30000). Handlers are kept alive with in-progress acks every ackWaitMs / 2. */
  ackWaitMs?: number;
  /** Deliveries before the message goes to the DLQ (default 5). */
  maxDeliver?: number;
  /** nak delay per failed delivery: backoffMs[deliveryCount - 1], the last value repeats (default 1s,5s,15s,30s). */
  backoffMs?: number[];
}

export interface MessagingModuleOptions {
  /** Names the durable consumers (`<service>__<subject>`) and DLQ subjects (`dlq.<service>.<subject>`). */
  serviceName: string;
  connection: NatsConnectionOptions;
  /** Streams this service owns; created or updated at start-up. */
  streams: StreamSpec[];
  /**
   * Replicas (1 to 5, default 1) of the streams this service owns and of the `DLQ` stream; consumers follow their
   * stream. More than one needs a JetStream cluster of at least that many servers.
   */
  streamReplicas?: number;
  /** Ensure the `DLQ` stream exists and dead-letter poison messages (default true). */
  dlq?: boolean;
  codec: MessageCodec;
  consumer?: ConsumerSettings;
  /** Deadline for in-flight handlers on shutdown before they are nak'ed (default 10000). */
  shutdownTimeoutMs?: number;
  /** Default publish ack timeout (default 5000). */
  publishTimeoutMs?: number;
}

export interface MessagingModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  inject?: FactoryProvider['inject'];
  /** Receives the `inject` providers in order, as a Nest factory provider does. */
  useFactory: (...args: never[]) => MessagingModuleOptions | Promise<MessagingModuleOptions>;
}

/** Options with every default applied. */
export interface ResolvedMessagingOptions extends MessagingModuleOptions {
  dlq: boolean;
  streamReplicas: number;
  consumer: Required<ConsumerSettings>;
  shutdownTimeoutMs: number;
  publishTimeoutMs: number;
}

export function resolveMessagingOptions(options: MessagingModuleOptions): ResolvedMessagingOptions {
  if (!options.serviceName || !/^[A-Za-z0-9_-]+$/.test(options.serviceName)) {
    throw new Error(`messaging: serviceName must match [A-Za-z0-9_-]+, got "${options.serviceName}"`);
  }
  const streamReplicas = options.streamReplicas ?? 1;
  if (!Number.isInteger(streamReplicas) || streamReplicas < 1 || streamReplicas > 5) {
    throw new Error(`messaging: streamReplicas must be an integer between 1 and 5, got ${String(options.streamReplicas)}`);
  }
  const consumer = options.consumer ?? {};
  const concurrency = Math.max(1, consumer.concurrency ?? DEFAULTS.concurrency);
  const backoffMs = consumer.backoffMs && consumer.backoffMs.length > 0 ? consumer.backoffMs : [...DEFAULTS.backoffMs];
  return {
    ...options,
    connection: { ...options.connection, inboxPrefix: options.connection.inboxPrefix || inboxPrefixFor(options.serviceName) },
    dlq: options.dlq ?? true,
    streamReplicas,
    consumer: {
      concurrency,
      pullBatch: Math.max(1, consumer.pullBatch ?? Math.max(DEFAULTS.pullBatch, concurrency * 2)),
      ackWaitMs: consumer.ackWaitMs ?? DEFAULTS.ackWaitMs,
      maxDeliver: Math.max(1, consumer.maxDeliver ?? DEFAULTS.maxDeliver),
      backoffMs,
    },
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? DEFAULTS.shutdownTimeoutMs,
    publishTimeoutMs: options.publishTimeoutMs ?? 5000,
  };
}

/** The default reply-inbox prefix of a service's connection: `_INBOX_<service>` (one token, so `_INBOX_<service>.>` covers it). */
export function inboxPrefixFor(serviceName: string): string {
  return `_INBOX_${serviceName}`;
}

/** Durable consumer name for (service, subject): `<service>__<subject with . -> _>` (wildcards made name-safe). */
export function durableName(serviceName: string, subject: string): string {
  return `${serviceName}__${subject.replace(/\./g, '_').replace(/\*/g, 'STAR').replace(/>/g, 'GT')}`;
}

/** Dead-letter subject for a message of `subject` consumed by `serviceName`. */
export function dlqSubject(serviceName: string, subject: string): string {
  return `dlq.${serviceName}.${subject}`;
}
