import { headers as createHeaders, type MsgHdrs } from 'nats';

import type { JetStreamContext } from '../jetstream.context';
import { DlqHeaders } from '../messaging.constants';

/** Where a dead letter came from and why it is one. */
export interface DeadLetterSource {
  /** The original message's headers (application headers are copied; `Nats-*` control headers are not). */
  headers: MsgHdrs | undefined;
  subject: string;
  stream: string;
  streamSequence: number;
  /** The original `Nats-Msg-Id`, when it had one. */
  messageId?: string;
  reason: string;
  deliveryCount: number;
  consumer: string;
}

/**
 * The one builder of dead-letter headers, shared by handler failures (poison, permanent, last delivery) and the
 * max-deliveries advisory (a delivery that never settled), so every entry of the DLQ reads the same way.
 */
export function deadLetterHeaders(source: DeadLetterSource, now: Date = new Date()): MsgHdrs {
  const hdrs = createHeaders();
  copyApplicationHeaders(source.headers, hdrs);
  hdrs.set(DlqHeaders.OriginalSubject, source.subject);
  hdrs.set(DlqHeaders.OriginalStream, source.stream);
  hdrs.set(DlqHeaders.StreamSeq, String(source.streamSequence));
  if (source.messageId) hdrs.set(DlqHeaders.OriginalMsgId, headerValue(source.messageId));
  hdrs.set(DlqHeaders.Error, headerValue(source.reason));
  hdrs.set(DlqHeaders.DeliveryCount, String(source.deliveryCount));
  hdrs.set(DlqHeaders.Consumer, source.consumer);
  hdrs.set(DlqHeaders.Time, now.toISOString());
  return hdrs;
}

/** The dead-letter source of a delivery the handler gave up on. */
export function deadLetterSourceOf(context: JetStreamContext, reason: string): DeadLetterSource {
  const { headers, subject, stream, streamSequence, messageId, deliveryCount, consumer } = context;
  return { headers, subject, stream, streamSequence, messageId, reason, deliveryCount, consumer };
}

/** One DLQ entry per (stream, seq, consumer), however many replicas or retries try to park it. */
export function dlqMsgId(stream: string, seq: number, consumer: string): string {
  return `dlq:${stream}:${seq}:${consumer}`;
}

/** A one-line header-safe value (no CR/LF), capped in length. */
export function headerValue(value: string): string {
  return value.replace(/[\r\n]+/g, ' ').slice(0, 1024);
}

/** Copies application headers (trace context, etc.), leaving out the JetStream control headers. */
function copyApplicationHeaders(from: MsgHdrs | undefined, to: MsgHdrs): void {
  if (!from) return;
  for (const key of from.keys()) {
    if (/^nats-/i.test(key)) continue;
    for (const value of from.values(key)) to.append(key, value);
  }
}
