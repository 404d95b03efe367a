import type { MsgHdrs } from 'nats';

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

/**
 * Optional hook provided under `MESSAGING_INSTRUMENTATION` (telemetry implements it). Shapes mirror
 * `libs/telemetry/src/messaging.contract.ts` exactly.
 */
export interface MessagingInstrumentation {
  /** Wraps every publish. Must call send(); may add headers (trace context) before calling it. */
  onPublish<T>(info: PublishInfo, send: () => Promise<T>): Promise<T>;
  onDeadLetter?(info: DeadLetterInfo): void;
  onSettled?(info: SettledInfo): void;
  /**
   * Runs the whole handling of one consumed message (decode, handler, settlement and the transport's log lines)
   * in the context its headers carry, so everything logged about the message names its trace. Extracts that
   * context once and passes it to `fn`; the transport hands it to the handler as `JetStreamContext.traceContext`.
   */
  runInMessageContext?<T>(headers: MsgHdrs | undefined, fn: (traceContext: unknown) => T): T;
}
