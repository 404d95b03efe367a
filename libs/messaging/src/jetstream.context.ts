import { BaseRpcContext } from '@nestjs/microservices';
import type { JsMsg, MsgHdrs } from 'nats';

/** Sentinel: no error was captured for this delivery. */
const NONE = Symbol('none');

/**
 * What `@Ctx()` gives a JetStream handler: the message's subject, headers, stream position, delivery count and id,
 * plus `working()` to extend the ack deadline. The transport also records the handler's original exception here
 * (before Nest's exception filter replaces it with "Internal server error").
 */
export class JetStreamContext extends BaseRpcContext<[JsMsg]> {
  readonly subject: string;
  readonly headers: MsgHdrs | undefined;
  readonly stream: string;
  readonly streamSequence: number;
  readonly deliveryCount: number;
  readonly messageId: string | undefined;
  readonly consumer: string;
  readonly bodySize: number;
  readonly redelivered: boolean;
  private captured: unknown = NONE;

  constructor(message: JsMsg) {
    super([message]);
    this.subject = message.subject;
    this.headers = message.headers;
    this.stream = message.info.stream;
    this.streamSequence = message.info.streamSequence;
    this.deliveryCount = message.info.redeliveryCount;
    this.messageId = message.headers?.get('Nats-Msg-Id') || undefined;
    this.consumer = message.info.consumer;
    this.bodySize = message.data.length;
    this.redelivered = message.redelivered;
  }

  /** The raw JetStream message (settling it yourself is not supported: the transport settles). */
  getMessage(): JsMsg {
    return this.args[0];
  }

  /** Resets the ack deadline (in-progress ack). The transport also does this automatically every ackWait / 2. */
  working(): void {
    this.args[0].working();
  }

  /** @internal Records the handler's original exception (first one wins). */
  captureError(error: unknown): void {
    if (this.captured === NONE) this.captured = error;
  }

  /** @internal */
  hasCapturedError(): boolean {
    return this.captured !== NONE;
  }

  /** @internal */
  capturedError(): unknown {
    return this.captured === NONE ? undefined : this.captured;
  }
}
