/**
 * The only place this library depends on `@app/messaging`: the hook it implements, the token it provides it under
 * and two small helpers come from there, and the handler context is read structurally (below), so the interceptor
 * needs no class reference.
 */
import type { MsgHdrs } from 'nats';

export { MESSAGING_INSTRUMENTATION } from '@app/messaging';
export type { DeadLetterInfo, MessagingInstrumentation, PublishInfo, SettledInfo } from '@app/messaging';
/** The shared helpers (kept once, in @app/messaging). */
export { describe, withTimeout } from '@app/messaging';

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
  /** The trace context the transport already extracted from the headers (an OpenTelemetry `Context`). */
  traceContext?: unknown;
}

/** True when an RPC context carries the JetStream message fields (a `JetStreamContext`). */
export function isJetStreamContext(value: unknown): value is JetStreamContextLike {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<JetStreamContextLike>;
  return typeof candidate.subject === 'string' && ('streamSequence' in candidate || 'deliveryCount' in candidate);
}
