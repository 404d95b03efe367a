import type { Logger } from '@nestjs/common';
import { ConsumerEvents, type ConsumerMessages, type JsMsg } from 'nats';

import { DEFAULTS } from '../messaging.constants';
import { describe, sleep } from '../messaging.utils';
import type { NatsConnectionManager } from '../nats-connection.manager';

/** What the pull loop needs from the consumer it feeds. */
export interface PullLoopTarget {
  readonly logger: Logger;
  readonly connection: NatsConnectionManager;
  readonly stream: string;
  readonly durable: string;
  /** Messages fetched per pull request; the client asks for more when a quarter of them is left. */
  readonly pullBatch: number;
  /** Takes one fetched message, synchronously, from the client's callback; must not throw. */
  onMessage(msg: JsMsg): void;
  /** The server says the durable consumer is gone: recreate it. */
  recreateConsumer(): Promise<void>;
}

/**
 * The supervised pull loop of one durable consumer (DESIGN.md pitfalls: "pull consumers need supervision"): pulls
 * in batches of `pullBatch`, independent of handler concurrency, watches heartbeats and status events, and restarts
 * with backoff whenever `consume()` ends or fails while not stopping.
 *
 * Messages arrive through the client's callback rather than its async iterator: no promise and no iterator step
 * per message. The client asks for more on receipt in both modes, so this buffers no more than the iterator did;
 * the server's max_ack_pending bounds what one consumer holds.
 */
export class PullLoop {
  running = false;
  private messages?: ConsumerMessages;
  private stopping = false;
  private signalStop!: () => void;
  private readonly stopped = new Promise<void>((resolve) => (this.signalStop = resolve));

  constructor(private readonly target: PullLoopTarget) {}

  async run(): Promise<void> {
    const { logger } = this.target;
    let failures = 0;
    while (!this.stopping) {
      try {
        const consumer = await this.target.connection.jetstream().consumers.get(this.target.stream, this.target.durable);
        const messages = await consumer.consume({
          max_messages: this.target.pullBatch,
          expires: DEFAULTS.pullExpiresMs,
          idle_heartbeat: DEFAULTS.pullHeartbeatMs,
          callback: (msg) => {
            failures = 0;
            try {
              this.target.onMessage(msg);
            } catch (error) {
              // A throw would stop the client's consumer; the message is redelivered after the ack wait instead.
              logger.error(`could not take seq ${msg.seq}: ${describe(error)}`);
            }
          },
        });
        this.messages = messages;
        if (this.stopping) {
          await messages.close();
          break;
        }
        this.running = true;
        void this.watch(messages);
        const ended = await messages.closed();
        this.running = false;
        if (ended instanceof Error && !this.stopping) throw ended;
        if (!this.stopping) logger.warn('pull loop ended unexpectedly; restarting');
      } catch (error) {
        this.running = false;
        if (this.stopping) break;
        logger.error(`pull loop failed: ${describe(error)}; restarting`);
      }
      if (this.stopping) break;
      if (this.connectionClosed()) {
        logger.error('NATS connection is closed for good; consumer stopped');
        break;
      }
      failures++;
      await Promise.race([sleep(Math.min(30_000, 500 * 2 ** Math.min(failures, 6))), this.stopped]);
    }
    this.running = false;
  }

  /** Stops pulling: no new pull requests; messages already fetched still reach `onMessage`, which must nak them. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.signalStop();
    await this.messages?.close().catch(() => undefined);
  }

  private connectionClosed(): boolean {
    try {
      return this.target.connection.connection.isClosed();
    } catch {
      return true;
    }
  }

  private async watch(messages: ConsumerMessages): Promise<void> {
    const { logger } = this.target;
    try {
      for await (const s of await messages.status()) {
        switch (s.type) {
          case ConsumerEvents.HeartbeatsMissed:
            if (Number(s.data) >= 2) logger.warn(`missed ${String(s.data)} heartbeats from the server`);
            break;
          case ConsumerEvents.ConsumerNotFound:
          case ConsumerEvents.ConsumerDeleted:
            logger.warn(`consumer not found (${String(s.data)}); recreating`);
            await this.target.recreateConsumer().catch((error: unknown) => logger.error(`cannot recreate consumer: ${describe(error)}`));
            break;
          case ConsumerEvents.StreamNotFound:
            logger.warn(`stream ${this.target.stream} not found (${String(s.data)})`);
            break;
          default:
            break;
        }
      }
    } catch {
      // the status iterator ends with the consume loop
    }
  }
}
