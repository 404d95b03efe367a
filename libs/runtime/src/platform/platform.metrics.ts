import { MessagingHealth } from '@app/messaging';
import { OutboxRelay } from '@app/persistence';
import { BacklogMetrics, type ConsumerLag } from '@app/telemetry';
import { type BeforeApplicationShutdown, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import type { CommonEnv } from '../common.env';

/**
 * Feeds the backlog gauges on `/metrics` (issue 19): the lag of every durable consumer this service binds, its own
 * outbox, and the dead letters it parked in the shared DLQ stream. Read in the background every
 * `METRICS_REFRESH_INTERVAL_MS`, never at scrape time (see `BacklogMetrics`).
 */
@Injectable()
export class PlatformMetrics implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly backlog: BacklogMetrics;

  constructor(messaging: MessagingHealth, relay: OutboxRelay, config: ConfigService<CommonEnv, true>) {
    const intervalMs = config.get('METRICS_REFRESH_INTERVAL_MS', { infer: true });
    const timeoutMs = Math.min(2000, intervalMs);
    // While NATS is unreachable a request would only wait for its timeout: fail at once and let the reading age.
    const connected = () => {
      if (!messaging.connection().connected) throw new Error('NATS is not connected');
    };
    this.backlog = new BacklogMetrics(
      {
        consumers: async () => {
          connected();
          const consumers = await messaging.consumers(timeoutMs);
          // A consumer whose info request failed has no reading this round; the others still report.
          return consumers.flatMap((c): ConsumerLag[] =>
            c.stream !== undefined && c.pending !== undefined && c.ackPending !== undefined
              ? [{ stream: c.stream, durable: c.durable, subject: c.subject, pending: c.pending, ackPending: c.ackPending }]
              : [],
          );
        },
        outbox: async () => {
          const { unsent, oldestAgeMs } = await relay.backlog();
          return { unsent, oldestAgeSeconds: oldestAgeMs / 1000 };
        },
        deadLetters: async () => {
          connected();
          const result = await messaging.deadLetters(timeoutMs);
          if (result.ok) return { service: messaging.serviceName, depth: result.depth };
          throw new Error(result.enabled ? (result.error ?? 'DLQ stream info failed') : 'the DLQ is disabled');
        },
      },
      { intervalMs, timeoutMs },
    );
  }

  onApplicationBootstrap(): void {
    this.backlog.start();
  }

  /** Before the connection drains and the database closes. */
  beforeApplicationShutdown(): void {
    this.backlog.stop();
  }
}
