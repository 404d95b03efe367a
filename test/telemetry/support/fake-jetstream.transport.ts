/**
 * A stand-in for `@app/messaging`'s JetStream transport, for telemetry tests that need Nest's real RPC pipeline
 * (global interceptors via `inheritAppConfig`, exception filters) without a broker. It delivers to `@EventPattern`
 * handlers with a context shaped like `JetStreamContext`; publishes go through the app's MESSAGING_INSTRUMENTATION
 * exactly as `EventPublisher` calls it. Telemetry against the real transport is the lead's cross-service test.
 */
import { Inject, Injectable } from '@nestjs/common';
import { BaseRpcContext, type CustomTransportStrategy, Server } from '@nestjs/microservices';
import { headers, type MsgHdrs } from 'nats';
import { lastValueFrom } from 'rxjs';

/** `@app/messaging`'s token (a plain string, so DI matches the provider TelemetryModule registers). */
export const MESSAGING_INSTRUMENTATION = 'MESSAGING:INSTRUMENTATION';

interface InstrumentationLike {
  onPublish<T>(info: { subject: string; msgId: string; bodySize: number; headers: MsgHdrs }, send: () => Promise<T>): Promise<T>;
}

/** A message as it sits in the fake stream. */
export interface StoredMessage {
  subject: string;
  data: unknown;
  msgId: string;
  headers: MsgHdrs;
  seq: number;
}

/** The fields of `JetStreamContext` telemetry reads. */
export class FakeJetStreamContext extends BaseRpcContext<[]> {
  readonly stream = 'T_STREAM';
  readonly consumer: string;
  readonly bodySize: number;
  readonly redelivered: boolean;

  constructor(
    readonly subject: string,
    readonly headers: MsgHdrs,
    readonly streamSequence: number,
    readonly deliveryCount: number,
    readonly messageId: string,
    data: unknown,
  ) {
    super([]);
    this.consumer = `test__${subject.replace(/\./g, '_')}`;
    this.bodySize = Buffer.byteLength(JSON.stringify(data));
    this.redelivered = deliveryCount > 1;
  }
}

@Injectable()
export class FakeStream {
  readonly pending: StoredMessage[] = [];
  private seq = 0;

  constructor(@Inject(MESSAGING_INSTRUMENTATION) private readonly instrumentation: InstrumentationLike) {}

  /** What `EventPublisher.publish` does, minus NATS: headers, the instrumentation hook, then the "broker". */
  publish(subject: string, data: unknown): Promise<{ stream: string; seq: number; duplicate: boolean }> {
    const msgId = `evt-${this.seq + 1}`;
    const message: StoredMessage = { subject, data, msgId, headers: headers(), seq: 0 };
    const body = Buffer.byteLength(JSON.stringify(data));
    return this.instrumentation.onPublish({ subject, msgId, bodySize: body, headers: message.headers }, async () => {
      message.seq = ++this.seq;
      this.pending.push(message);
      return { stream: 'T_STREAM', seq: message.seq, duplicate: false };
    });
  }
}

export class FakeJetStreamServer extends Server implements CustomTransportStrategy {
  listen(callback: () => void): void {
    callback();
  }

  close(): void {}

  on(): void {}

  unwrap<T>(): T {
    throw new Error('no underlying client');
  }

  /**
   * Delivers one message to its handler the way a pull loop would: from a context of its own, not the publisher's.
   * Resolves when the handler's Observable completes; rejects with what Nest's RPC exception layer emits.
   */
  async deliver(message: StoredMessage, deliveryCount = 1): Promise<unknown> {
    const handler = this.getHandlerByPattern(message.subject);
    if (!handler) throw new Error(`no handler for ${message.subject}`);
    const context = new FakeJetStreamContext(message.subject, message.headers, message.seq, deliveryCount, message.msgId, message.data);
    return lastValueFrom(this.transformToObservable(await handler(message.data, context)), { defaultValue: undefined });
  }
}
