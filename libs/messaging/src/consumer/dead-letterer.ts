import type { Logger } from '@nestjs/common';
import type { Subscription } from 'nats';

import { dlqSubject, type ResolvedMessagingOptions } from '../messaging.options';
import { describe } from '../messaging.utils';
import type { NatsConnectionManager } from '../nats-connection.manager';
import { deadLetterHeaders, type DeadLetterSource, dlqMsgId } from './dead-letter';

/**
 * Parks messages in the `DLQ` stream (`dlq.<service>.<subject>`, the bytes unchanged, `dlq-*` headers) for one
 * consumer: those its handler gave up on, and those the server gave up on (max-deliveries advisory).
 */
export class DeadLetterer {
  private advisories?: Subscription;

  constructor(
    private readonly options: ResolvedMessagingOptions,
    private readonly connection: NatsConnectionManager,
    private readonly logger: Logger,
  ) {}

  /** Publishes the dead letter; rejects when the DLQ did not store it (the caller naks and tries later). */
  async park(source: DeadLetterSource, data: Uint8Array): Promise<string> {
    const subject = dlqSubject(this.options.serviceName, source.subject);
    await this.connection.jetstream().publish(subject, data, {
      headers: deadLetterHeaders(source),
      // Same id on a retry (the term got lost and the message came back, another replica): stored once.
      msgID: dlqMsgId(source.stream, source.streamSequence, source.consumer),
      timeout: this.options.publishTimeoutMs,
    });
    return subject;
  }

  /**
   * A delivery that never settles (process killed, handler hung past the ack wait) still counts; when the last one
   * times out the server stops delivering and only says so in an advisory. Park such messages in the DLQ too, so
   * running out of deliveries never silently strands a message. Every replica listens; the DLQ msgID dedupes.
   */
  watchMaxDeliveries(stream: string, durable: string, onParked: (subject: string, reason: string) => void): void {
    if (this.advisories) return;
    const subject = `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.${durable}`;
    this.advisories = this.connection.connection.subscribe(subject, {
      callback: (error, msg) => {
        if (error) return;
        let advisory: { stream_seq?: number; deliveries?: number };
        try {
          advisory = msg.json();
        } catch {
          return;
        }
        const seq = advisory.stream_seq;
        if (typeof seq !== 'number') return;
        const deliveries = advisory.deliveries ?? this.options.consumer.maxDeliver;
        this.parkStored(stream, seq, durable, deliveries).then(
          (parked) => onParked(parked.subject, parked.reason),
          (e: unknown) => this.logger.error(`could not dead-letter seq ${seq} after max deliveries: ${describe(e)}`),
        );
      },
    });
  }

  stop(): void {
    try {
      this.advisories?.unsubscribe();
    } catch {
      // connection already closed
    }
  }

  private async parkStored(stream: string, seq: number, durable: string, deliveries: number): Promise<{ subject: string; reason: string }> {
    const jsm = await this.connection.jetstreamManager();
    const stored = await jsm.streams.getMessage(stream, { seq });
    const reason = `max deliveries (${deliveries}) exhausted without a result (ack wait expired)`;
    const messageId = stored.header?.get('Nats-Msg-Id') || undefined;
    const source = {
      headers: stored.header,
      subject: stored.subject,
      stream,
      streamSequence: seq,
      messageId,
      reason,
      deliveryCount: deliveries,
      consumer: durable,
    };
    const dlq = await this.park(source, stored.data);
    this.logger.error(`dead-lettered seq ${seq} of ${stored.subject} to ${dlq}: ${reason}`);
    return { subject: stored.subject, reason };
  }
}
