import { Logger } from '@nestjs/common';
import type { MessageHandler } from '@nestjs/microservices';
import type { JsMsg } from 'nats';
import { isObservable, lastValueFrom } from 'rxjs';

import { StreamConfigConflictError } from '../errors/messaging.errors';
import { JetStreamContext } from '../jetstream.context';
import type { JetStreamProvisioner } from '../jetstream.provisioner';
import type { MessagingInstrumentation, SettledInfo } from '../messaging.instrumentation';
import type { ResolvedMessagingOptions } from '../messaging.options';
import { describe, sleep } from '../messaging.utils';
import type { NatsConnectionManager } from '../nats-connection.manager';
import { ConcurrencyGate } from './concurrency-gate';
import type { ConsumerRuntimeStats } from './consumer-runtime-stats';
import { deadLetterSourceOf } from './dead-letter';
import { DeadLetterer } from './dead-letterer';
import { type InFlight, InFlightSet } from './in-flight';
import { PullLoop } from './pull-loop';
import { SettleBatch } from './settle-batch';
import { backoffDelay, decideSettlement, type HandlerOutcome, isNestWrappedError } from './settlement';

export type { ConsumerRuntimeStats } from './consumer-runtime-stats';

/**
 * Drives one durable pull consumer: binds it (waiting for the stream's owner), feeds the pull loop's messages
 * through the concurrency gate to the Nest handler, and settles each from the handler's real outcome (settlement
 * decision in `settlement.ts`, sent in batches by `SettleBatch`, dead letters by `DeadLetterer`).
 */
export class ConsumerRunner {
  private readonly logger: Logger;
  private readonly gate: ConcurrencyGate<JsMsg>;
  private readonly settle: SettleBatch;
  private readonly deadLetters: DeadLetterer;
  private readonly inFlight: InFlightSet;
  private pullLoop?: PullLoop;
  private warnedUncaptured = false;
  private stopping = false;
  private loop?: Promise<void>;
  stream?: string;
  private readonly stats = { acked: 0, naked: 0, deadLettered: 0 };

  constructor(
    readonly subject: string,
    readonly durable: string,
    private readonly handler: MessageHandler,
    private readonly options: ResolvedMessagingOptions,
    private readonly connection: NatsConnectionManager,
    private readonly provisioner: JetStreamProvisioner,
    private readonly instrumentation?: MessagingInstrumentation,
  ) {
    this.logger = new Logger(`JetStreamConsumer ${durable}`);
    this.gate = new ConcurrencyGate<JsMsg>(options.consumer.concurrency, (msg) => this.dispatch(msg));
    this.settle = new SettleBatch((error) => this.logger.warn(`settling failed: ${describe(error)}`));
    this.deadLetters = new DeadLetterer(options, connection, this.logger);
    this.inFlight = new InFlightSet(options.consumer.ackWaitMs, (error) => this.logger.warn(`in-progress ack failed: ${describe(error)}`));
  }

  /**
   * Binds the consumer when its stream exists (a conflicting config rejects: start-up fails loudly); otherwise, or
   * when binding fails otherwise (a cluster between leaders), keeps trying in the background and resolves at once.
   */
  async start(): Promise<void> {
    if (this.stopping) return;
    const stream = await this.connection
      .jetstreamManager()
      .then((jsm) => jsm.streams.find(this.subject))
      .catch(() => undefined);
    if (stream && (await this.tryBind(stream, true))) this.loop = this.pull(stream);
    else this.loop = this.bindInBackground();
  }

  runtimeStats(): ConsumerRuntimeStats {
    return {
      durable: this.durable,
      subject: this.subject,
      stream: this.stream,
      running: (this.pullLoop?.running ?? false) && !this.stopping,
      inFlight: this.inFlight.size,
      maxInFlight: this.inFlight.max,
      ...this.stats,
    };
  }

  /** Stops pulling, waits for in-flight handlers up to `deadlineMs`, naks what did not finish. */
  async stop(deadlineMs: number): Promise<void> {
    this.stopping = true;
    this.deadLetters.stop();
    await this.pullLoop?.stop();
    // Fetched but not started: back to the server at once, for this or another replica.
    for (const msg of this.gate.drain()) this.settle.nak(msg);
    this.settle.flush();
    const pending = this.inFlight.snapshot();
    if (pending.length > 0) {
      this.logger.log(`waiting for ${pending.length} in-flight message(s) (up to ${deadlineMs} ms)`);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled(pending.map((p) => p.done ?? Promise.resolve())),
        new Promise((r) => (timer = setTimeout(r, deadlineMs))),
      ]);
      clearTimeout(timer);
      for (const entry of this.inFlight.snapshot()) {
        if (entry.settled) continue;
        entry.settled = true;
        this.settle.nak(entry.msg);
        this.logger.warn(`nak'ed seq ${entry.msg.info.streamSequence}: handler did not finish before shutdown`);
      }
    }
    this.settle.flush();
    this.inFlight.clearTimer();
    await this.loop?.catch(() => undefined);
  }

  private async bindInBackground(): Promise<void> {
    for (let attempt = 1; !this.stopping; attempt++) {
      const found = await this.provisioner.waitForStream(this.subject, () => this.stopping);
      if (!found || this.stopping) return;
      try {
        if (await this.tryBind(found, attempt === 1)) return this.pull(found);
      } catch (error) {
        this.logger.error(`cannot bind consumer: ${describe(error)}`);
        return;
      }
      await sleep(Math.min(10_000, 500 * 2 ** Math.min(attempt, 5)));
    }
  }

  /** Binds the durable consumer; false after a failure worth retrying, a conflict rejects. */
  private async tryBind(stream: string, logFailure: boolean): Promise<boolean> {
    this.stream = stream;
    try {
      await this.provisioner.ensureConsumer(stream, this.durable, this.subject, this.options.consumer);
    } catch (error) {
      if (error instanceof StreamConfigConflictError) throw error;
      if (logFailure) this.logger.warn(`cannot bind consumer yet (${describe(error)}); retrying`);
      return false;
    }
    if (this.options.dlq)
      this.deadLetters.watchMaxDeliveries(stream, this.durable, (subject, reason) => this.countDeadLetter(subject, reason, reason));
    return true;
  }

  private pull(stream: string): Promise<void> {
    this.pullLoop = new PullLoop({
      logger: this.logger,
      connection: this.connection,
      stream,
      durable: this.durable,
      pullBatch: this.options.consumer.pullBatch,
      onMessage: (msg) => this.admit(msg),
      recreateConsumer: () => this.provisioner.ensureConsumer(stream, this.durable, this.subject, this.options.consumer).then(() => undefined),
    });
    return this.pullLoop.run();
  }

  /** Starts the message when a handler slot is free, else queues it; during shutdown, hands it back at once. */
  private admit(msg: JsMsg): void {
    if (this.stopping) this.settle.nak(msg);
    else this.gate.submit(msg);
  }

  private dispatch(msg: JsMsg): void {
    const entry = this.inFlight.add(msg);
    const instrumentation = this.instrumentation;
    const handling: Promise<void> = instrumentation?.runInMessageContext
      ? instrumentation.runInMessageContext(msg.headers, (traceContext) => this.handle(entry, traceContext))
      : this.handle(entry, undefined);
    entry.done = handling.then(
      () => this.finished(entry),
      (error: unknown) => {
        this.logger.error(`unexpected failure settling seq ${msg.info.streamSequence}: ${describe(error)}`);
        this.finished(entry);
      },
    );
  }

  private finished(entry: InFlight): void {
    this.inFlight.delete(entry);
    this.gate.release();
  }

  private async handle(entry: InFlight, traceContext: unknown): Promise<void> {
    const { msg } = entry;
    const context = new JetStreamContext(msg, traceContext);
    const started = performance.now();
    const outcome = await this.run(context);
    if (entry.settled) return; // nak'ed by the shutdown deadline
    const settlement = decideSettlement(outcome, context.deliveryCount, this.options.consumer);
    switch (settlement.action) {
      case 'ack':
        entry.settled = true;
        this.settle.ack(msg);
        this.stats.acked++;
        this.logger.debug(`handled ${msg.subject} seq ${context.streamSequence} in ${Math.round(performance.now() - started)} ms`);
        this.settled({ outcome: 'ack' });
        return;
      case 'nak':
        this.nak(entry, settlement.delayMs, settlement.reason, 'error' in outcome ? outcome.error : settlement.reason);
        return;
      case 'dead-letter':
        await this.deadLetter(entry, context, settlement.reason, 'error' in outcome ? outcome.error : undefined);
        return;
      default: {
        const unknownAction: never = settlement;
        throw new Error(`unknown settlement ${JSON.stringify(unknownAction)}`);
      }
    }
  }

  /** Decodes (poison never reaches the handler) and runs the handler to completion: Promise or whole Observable. */
  private async run(context: JetStreamContext): Promise<HandlerOutcome> {
    const msg = context.getMessage();
    let decoded: ReturnType<ResolvedMessagingOptions['codec']['decode']>;
    try {
      decoded = this.options.codec.decode(msg.subject, msg.data);
    } catch (error) {
      decoded = { ok: false, kind: 'malformed', reason: describe(error) };
    }
    if (!decoded.ok) return { ok: false, poison: `${decoded.kind}: ${decoded.reason}` };
    try {
      const result: unknown = await this.handler(decoded.value, context);
      // Ack only when the returned Observable completes; any error emission is a failure.
      if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
      return { ok: true };
    } catch (error) {
      if (!this.warnedUncaptured && isNestWrappedError(error)) {
        this.warnedUncaptured = true;
        this.logger.warn(
          "handler failed but Nest replaced its exception with 'Internal server error' (PermanentError cannot be recognised): " +
            "connect the transport with { inheritAppConfig: true } so MessagingModule's JetStreamExceptionFilter applies, " +
            'and let a catch-all filter of the app hand rpc errors back (throwError(() => exception))',
        );
      }
      return { ok: false, error };
    }
  }

  private nak(entry: InFlight, delayMs: number, reason: string, error: unknown): void {
    const { msg } = entry;
    entry.settled = true;
    this.settle.nak(msg, delayMs);
    this.stats.naked++;
    this.logger.warn(
      `seq ${msg.info.streamSequence} delivery ${msg.info.redeliveryCount}/${this.options.consumer.maxDeliver} failed (${reason}); retry in ${delayMs} ms`,
    );
    this.settled({ outcome: 'nak', error });
  }

  // term() carries no reason: nats-server 2.9 ignores "+TERM <reason>" entirely (reasons arrived in 2.10.4).

  /** Copies the message byte for byte to `dlq.<service>.<subject>` with dlq-* headers, then terms it. */
  private async deadLetter(entry: InFlight, context: JetStreamContext, reason: string, error: unknown): Promise<void> {
    const { msg } = entry;
    if (!this.options.dlq) {
      entry.settled = true;
      this.settle.term(msg);
      this.logger.error(`termed seq ${context.streamSequence} (DLQ disabled): ${reason}`);
      this.settled({ outcome: 'term', error: error ?? reason });
      return;
    }
    let subject: string;
    try {
      subject = await this.deadLetters.park(deadLetterSourceOf(context, reason), msg.data);
    } catch (publishError) {
      // Never drop a message we could not park: retry it later instead.
      this.logger.error(`could not dead-letter seq ${context.streamSequence} (${describe(publishError)}); nak'ing`);
      if (!entry.settled) this.nak(entry, backoffDelay(this.options.consumer.backoffMs, context.deliveryCount), reason, error ?? reason);
      return;
    }
    if (entry.settled) return;
    entry.settled = true;
    this.settle.term(msg);
    this.logger.error(`dead-lettered seq ${context.streamSequence} of ${msg.subject} to ${subject}: ${reason}`);
    this.countDeadLetter(msg.subject, reason, error ?? reason);
  }

  private countDeadLetter(subject: string, reason: string, error: unknown): void {
    this.stats.deadLettered++;
    this.safeHook(() => this.instrumentation?.onDeadLetter?.({ subject, consumer: this.durable, reason }));
    this.settled({ outcome: 'dlq', error });
  }

  private settled(info: Omit<SettledInfo, 'subject' | 'consumer'>): void {
    if (this.instrumentation?.onSettled)
      this.safeHook(() => this.instrumentation!.onSettled!({ subject: this.subject, consumer: this.durable, ...info }));
  }

  private safeHook(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.logger.warn(`instrumentation hook failed: ${describe(error)}`);
    }
  }
}
