import { BaseRpcContext } from '@nestjs/microservices';
import type { JsMsg, MsgHdrs } from 'nats';

/**
 * What `@Ctx()` gives a JetStream handler: the message's subject, headers, stream position, delivery count and id,
 * plus `working()` to extend the ack deadline. Built once per delivery by the transport.
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

  /**
   * @param traceContext The trace context the instrumentation hook extracted from the headers (once per message),
   *   handed on so the process-span interceptor does not extract it again. Opaque to this library.
   */
  constructor(
    message: JsMsg,
    readonly traceContext?: unknown,
  ) {
    super([message]);
    const info = message.info;
    this.subject = message.subject;
    this.headers = message.headers;
    this.stream = info.stream;
    this.streamSequence = info.streamSequence;
    this.deliveryCount = info.redeliveryCount;
    this.messageId = this.headers?.get('Nats-Msg-Id') || undefined;
    this.consumer = info.consumer;
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
}
