/**
 * The only place this library depends on the shape of `@app/messaging` (see the team's INTERFACES.md). Written
 * against the documented interface while that library is being built; once `@app/messaging` exports these names,
 * this file can become `export { MESSAGING_INSTRUMENTATION, type MessagingInstrumentation } from '@app/messaging'`
 * without touching anything else. The token is a plain string, so DI matches either way.
 */
import type { MsgHdrs } from 'nats';

/** DI token under which the app provides the messaging hook (same value as `@app/messaging`'s). */
export const MESSAGING_INSTRUMENTATION = 'MESSAGING:INSTRUMENTATION';

/** What `EventPublisher` tells the hook about one publish. */
export interface PublishInfo {
  subject: string;
  msgId: string;
  bodySize: number;
  headers: MsgHdrs;
}

/** A message that ended in the dead-letter stream. */
export interface DeadLetterInfo {
  subject: string;
  consumer: string;
  reason: string;
}

/** How a consumed message was settled. */
export interface SettledInfo {
  subject: string;
  consumer: string;
  outcome: 'ack' | 'nak' | 'term' | 'dlq';
  error?: unknown;
}

/** Hook `@app/messaging` calls around publishes and settlements (mirrors its `MessagingInstrumentation`). */
export interface MessagingInstrumentation {
  /** Wraps every publish. Must call send(); may add headers (trace context) before calling it. */
  onPublish<T>(info: PublishInfo, send: () => Promise<T>): Promise<T>;
  onDeadLetter?(info: DeadLetterInfo): void;
  onSettled?(info: SettledInfo): void;
  /**
   * Runs the whole handling of one consumed message (decode, handler, settlement and the transport's log lines)
   * in the context its headers carry, so everything logged about the message names its trace.
   */
  runInMessageContext?<T>(headers: MsgHdrs | undefined, fn: () => T): T;
}

/**
 * The fields of `@app/messaging`'s `JetStreamContext` (what `@Ctx()` gives a handler) that tracing reads. Read
 * structurally, so the interceptor needs no class reference and ignores RPC contexts of other transports.
 */
export interface JetStreamContextLike {
  subject: string;
  headers?: MsgHdrs;
  stream?: string;
  streamSequence?: number;
  deliveryCount?: number;
  messageId?: string;
  consumer?: string;
  bodySize?: number;
  redelivered?: boolean;
}

/** True when an RPC context carries the JetStream message fields (a `JetStreamContext`). */
export function isJetStreamContext(value: unknown): value is JetStreamContextLike {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<JetStreamContextLike>;
  return typeof candidate.subject === 'string' && ('streamSequence' in candidate || 'deliveryCount' in candidate);
}
