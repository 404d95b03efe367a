import type { JsMsg } from 'nats';

const enum Op {
  Ack,
  Nak,
  Term,
}

/**
 * Acks, naks and terms of one consumer, sent together once per turn of the event loop. `nats` writes everything
 * queued in one synchronous run as one socket write, but handlers finish in separate microtasks, so settling each
 * as it finishes costs about one write per message. Collecting them and settling the batch from `setImmediate`
 * turns that into one write per batch; the settlement itself (which message, ack or nak with which delay) is
 * decided before it is queued and never changes.
 */
export class SettleBatch {
  private readonly msgs: JsMsg[] = [];
  private readonly ops: Op[] = [];
  private readonly delays: (number | undefined)[] = [];
  private scheduled?: NodeJS.Immediate;

  constructor(private readonly onError: (error: unknown, msg: JsMsg) => void) {}

  ack(msg: JsMsg): void {
    this.push(msg, Op.Ack, undefined);
  }

  nak(msg: JsMsg, delayMs?: number): void {
    this.push(msg, Op.Nak, delayMs);
  }

  term(msg: JsMsg): void {
    this.push(msg, Op.Term, undefined);
  }

  /** Sends what is queued now (also on shutdown, before the pull subscription closes). */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const count = this.msgs.length;
    for (let i = 0; i < count; i++) {
      const msg = this.msgs[i];
      try {
        if (this.ops[i] === Op.Ack) msg.ack();
        else if (this.ops[i] === Op.Nak) msg.nak(this.delays[i]);
        else msg.term();
      } catch (error) {
        this.onError(error, msg);
      }
    }
    this.msgs.length = 0;
    this.ops.length = 0;
    this.delays.length = 0;
  }

  private push(msg: JsMsg, op: Op, delayMs: number | undefined): void {
    this.msgs.push(msg);
    this.ops.push(op);
    this.delays.push(delayMs);
    this.scheduled ??= setImmediate(() => this.flush());
  }
}
