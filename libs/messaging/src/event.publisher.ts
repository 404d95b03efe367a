import { Inject, Injectable, Optional } from '@nestjs/common';
import { ErrorCode, headers as createHeaders, type MsgHdrs, NatsError, type PubAck } from 'nats';

import { ConnectionClosedError, NoStreamError, PublishTimeoutError, StreamUnavailableError } from './errors/messaging.errors';
import { MESSAGING_INSTRUMENTATION, MESSAGING_OPTIONS } from './messaging.constants';
import type { MessagingInstrumentation } from './messaging.instrumentation';
import type { ResolvedMessagingOptions } from './messaging.options';
import { sleep } from './messaging.utils';
import { NatsConnectionManager } from './nats-connection.manager';

/** Pause between publish attempts that got a 503 while a clustered stream elects its leader (nats' own default). */
const ELECTION_RETRY_DELAY_MS = 250;

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
 *
 * On a JetStream cluster a stream has no leader for the seconds of an election (its node was lost or restarted),
 * and publishes get 503 "no responders" meanwhile. There the publish is retried every 250 ms for half its timeout,
 * and a 503 that outlasts that is a `StreamUnavailableError` (transient: the outbox keeps the row and retries) when a
 * stream captures the subject, a `NoStreamError` only when none does. A single server keeps one attempt: a 503
 * there means no stream.
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
      const clustered = this.connection.isClustered();
      // On a cluster a 503 is retried (same msgId, so never stored twice) until half the timeout has passed.
      const retryUntil = clustered ? Date.now() + timeoutMs / 2 : 0;
      for (;;) {
        try {
          const js = this.connection.jetstream();
          ack = await js.publish(subject, data, { msgID: options.msgId, headers: hdrs, timeout: timeoutMs });
          break;
        } catch (error) {
          const mapped = mapPublishError(error, subject, timeoutMs);
          if (!clustered || !(mapped instanceof NoStreamError)) throw mapped;
          if (Date.now() + ELECTION_RETRY_DELAY_MS > retryUntil) throw await this.electionOrMissing(subject, error);
          await sleep(ELECTION_RETRY_DELAY_MS);
        }
      }
      return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
    };
    if (!this.instrumentation) return send();
    return this.instrumentation.onPublish({ subject, msgId: options.msgId, bodySize: data.length, headers: hdrs! }, send);
  }

  /** After a 503 on a cluster: a stream that captures the subject is between leaders; none at all is a NoStreamError. */
  private async electionOrMissing(subject: string, cause: unknown): Promise<Error> {
    try {
      const jsm = await this.connection.jetstreamManager();
      return new StreamUnavailableError(subject, await jsm.streams.find(subject), { cause });
    } catch (error) {
      if (/no stream matches subject/i.test((error as Error)?.message ?? '')) return new NoStreamError(subject, { cause });
      return new StreamUnavailableError(subject, undefined, { cause });
    }
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
  return (
    typeof value === 'object' && value !== null && typeof (value as MsgHdrs).keys === 'function' && typeof (value as MsgHdrs).values === 'function'
  );
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
