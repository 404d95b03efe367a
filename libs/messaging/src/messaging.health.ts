import { Inject, Injectable } from '@nestjs/common';

import { countDeadLetters } from './dlq/dead-letters';
import { JetStreamProvisioner, type ProvisioningStatus } from './jetstream.provisioner';
import { JetStreamServer } from './jetstream.server';
import { DLQ_STREAM_NAME, MESSAGING_OPTIONS } from './messaging.constants';
import { dlqSubject, type ResolvedMessagingOptions } from './messaging.options';
import { describe, withTimeout } from './messaging.utils';
import { type ConnectionStatus, NatsConnectionManager } from './nats-connection.manager';

/** Per-consumer health: whether its pull loop runs, and the server's view of its backlog. */
export interface ConsumerHealth {
  durable: string;
  subject: string;
  stream?: string;
  running: boolean;
  /** Messages not yet delivered (num_pending); undefined when the info request failed. */
  pending?: number;
  /** Delivered but not yet acked. */
  ackPending?: number;
  /** Messages delivered more than once and not yet acked. */
  redelivered?: number;
  error?: string;
}

/**
 * Health helpers for `/health/ready` indicators. Every check is bounded by a timeout and returns a result instead of
 * throwing, so a readiness probe can never hang on NATS.
 */
@Injectable()
export class MessagingHealth {
  constructor(
    @Inject(MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    private readonly connectionManager: NatsConnectionManager,
    private readonly server: JetStreamServer,
    private readonly provisioner: JetStreamProvisioner,
  ) {}

  /** Whether the streams this service owns are provisioned ('pending' while NATS is unreachable at start-up). */
  provisioning(): ProvisioningStatus {
    return this.provisioner.status();
  }

  /** Connection status as the client sees it (no I/O). */
  connection(): ConnectionStatus & { connected: boolean } {
    return { ...this.connectionManager.status, connected: this.connectionManager.isConnected() };
  }

  /** A JetStream API round trip (account info) within `timeoutMs`. */
  async jetstream(timeoutMs = 2000): Promise<{ ok: boolean; rttMs?: number; error?: string }> {
    const started = Date.now();
    try {
      const jsm = await withTimeout(this.connectionManager.jetstreamManager(), timeoutMs, 'JetStream manager');
      await withTimeout(jsm.getAccountInfo(), timeoutMs, 'JetStream account info');
      return { ok: true, rttMs: Date.now() - started };
    } catch (error) {
      return { ok: false, error: describe(error) };
    }
  }

  /** Each consumer this service runs, with the server's pending / redelivered counts (bounded by `timeoutMs`). */
  async consumers(timeoutMs = 2000): Promise<ConsumerHealth[]> {
    const bound = this.server.boundConsumers();
    return Promise.all(
      bound.map(async (c): Promise<ConsumerHealth> => {
        const base: ConsumerHealth = { durable: c.durable, subject: c.subject, stream: c.stream, running: c.running };
        if (!c.stream) return { ...base, error: 'stream not found yet' };
        try {
          const jsm = await withTimeout(this.connectionManager.jetstreamManager(), timeoutMs, 'JetStream manager');
          const info = await withTimeout(jsm.consumers.info(c.stream, c.durable), timeoutMs, `consumer ${c.durable} info`);
          return { ...base, pending: info.num_pending, ackPending: info.num_ack_pending, redelivered: info.num_redelivered };
        } catch (error) {
          return { ...base, error: describe(error) };
        }
      }),
    );
  }

  /**
   * How many dead letters this service parked in the shared DLQ stream (subjects `dlq.<service>.>`), within
   * `timeoutMs`; `enabled: false` when the service runs without a DLQ. One stream info request, no message reads.
   */
  async deadLetters(timeoutMs = 2000): Promise<{ ok: true; depth: number } | { ok: false; enabled: boolean; error?: string }> {
    if (!this.options.dlq) return { ok: false, enabled: false };
    try {
      const jsm = await withTimeout(this.connectionManager.jetstreamManager(), timeoutMs, 'JetStream manager');
      const filter = dlqSubject(this.options.serviceName, '>');
      const depth = await withTimeout(countDeadLetters(jsm, DLQ_STREAM_NAME, filter), timeoutMs, 'DLQ stream info');
      return { ok: true, depth };
    } catch (error) {
      return { ok: false, enabled: true, error: describe(error) };
    }
  }

  /** The service name the consumers run under. */
  get serviceName(): string {
    return this.options.serviceName;
  }
}
