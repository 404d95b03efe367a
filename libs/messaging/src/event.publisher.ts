import { Inject, Injectable, Optional } from '@nestjs/common';
import { ErrorCode, headers as createHeaders, type MsgHdrs, NatsError, type PubAck } from 'nats';

import { ConnectionClosedError, NoStreamError, PublishTimeoutError } from './errors/messaging.errors';
import { MESSAGING_INSTRUMENTATION, MESSAGING_OPTIONS } from './messaging.constants';
import type { MessagingInstrumentation } from './messaging.instrumentation';
import type { ResolvedMessagingOptions } from './messaging.options';
import { NatsConnectionManager } from './nats-connection.manager';

/** Where JetStream stored a publish. `duplicate` means the msgId was seen inside the stream's duplicate window. */
export interface PublishResult {
  stream: string;
  seq: number;
  duplicate: boolean;
}

export interface PublishRawOptions {
  /** Becomes `Nats-Msg-Id`: JetStream stores one message per id inside the duplicate window. */
  msgId: string;
  headers?: Record<string, string> | MsgHdrs;
  /** Ack timeout (default `publishTimeoutMs`, 5000). */
  timeoutMs?: number;
}

/**
 * The only way to publish: encodes (and so validates) through the codec, sets `Nats-Msg-Id`, lets the
 * instrumentation hook add trace headers, awaits the JetStream ack and maps failures to typed errors.
 */
@Injectable()
export class EventPublisher {
  constructor(
    @Inject(MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    private readonly connection: NatsConnectionManager,
    @Optional() @Inject(MESSAGING_INSTRUMENTATION) private readonly instrumentation?: MessagingInstrumentation,
  ) {}

  /** Validates and publishes an event; `Nats-Msg-Id` is the event id. Throws the codec's validation error as is. */
  publish(event: unknown, options: { headers?: Record<string, string> | MsgHdrs; timeoutMs?: number } = {}): Promise<PublishResult> {
    const encoded = this.options.codec.encode(event);
    return this.publishRaw(encoded.subject, encoded.data, { msgId: encoded.msgId, ...options });
  }

  /** Publishes bytes as they are (outbox relay, interop). */
  async publishRaw(subject: string, data: Uint8Array, options: PublishRawOptions): Promise<PublishResult> {
    // Headers only when there are some to send or the hook adds trace context: nats adds Nats-Msg-Id either way.
    const hdrs = options.headers || this.instrumentation ? toHeaders(options.headers) : undefined;
    const timeoutMs = options.timeoutMs ?? this.options.publishTimeoutMs;
    const send = async (): Promise<PublishResult> => {
      let ack: PubAck;
      try {
        const js = this.connection.jetstream();
        ack = await js.publish(subject, data, { msgID: options.msgId, headers: hdrs, timeout: timeoutMs });
      } catch (error) {
        throw mapPublishError(error, subject, timeoutMs);
      }
      return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
    };
    if (!this.instrumentation) return send();
    return this.instrumentation.onPublish({ subject, msgId: options.msgId, bodySize: data.length, headers: hdrs! }, send);
  }
}

function toHeaders(input: Record<string, string> | MsgHdrs | undefined): MsgHdrs {
  const hdrs = createHeaders();
  if (!input) return hdrs;
  if (isMsgHdrs(input)) {
    for (const key of input.keys()) for (const value of input.values(key)) hdrs.append(key, value);
    return hdrs;
  }
  for (const [key, value] of Object.entries(input)) hdrs.set(key, value);
  return hdrs;
}

function isMsgHdrs(value: unknown): value is MsgHdrs {
  return typeof value === 'object' && value !== null && typeof (value as MsgHdrs).keys === 'function' && typeof (value as MsgHdrs).values === 'function';
}

/** Maps `nats` failures to our typed errors; anything else passes through unchanged. */
export function mapPublishError(error: unknown, subject: string, timeoutMs: number): unknown {
  if (error instanceof ConnectionClosedError) return error;
  const code = error instanceof NatsError ? error.code : (error as { code?: string })?.code;
  switch (code) {
    case ErrorCode.Timeout:
      return new PublishTimeoutError(subject, timeoutMs, { cause: error });
    case ErrorCode.NoResponders:
      return new NoStreamError(subject, { cause: error });
    case ErrorCode.ConnectionClosed:
    case ErrorCode.ConnectionDraining:
      return new ConnectionClosedError(`NATS connection is closed; cannot publish to ${subject}`, { cause: error });
    default:
      return error;
  }
}
