import { Logger } from '@nestjs/common';
import type { MessageHandler } from '@nestjs/microservices';
import { ConsumerEvents, type ConsumerMessages, headers as createHeaders, type JsMsg, type MsgHdrs, type Subscription } from 'nats';
import { lastValueFrom, type Observable } from 'rxjs';

import { isPermanentError } from './errors/messaging.errors';
import { JetStreamContext } from './jetstream.context';
import { describe, type JetStreamProvisioner } from './jetstream.provisioner';
import { DlqHeaders } from './messaging.constants';
import type { MessagingInstrumentation, SettledInfo } from './messaging.instrumentation';
import { dlqSubject, type ResolvedMessagingOptions } from './messaging.options';
import type { NatsConnectionManager } from './nats-connection.manager';

/** A back-off pause that does not keep the process alive on its own. */
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/** Per-consumer health and load figures. */
export interface ConsumerRuntimeStats {
  durable: string;
  subject: string;
  stream?: string;
  running: boolean;
  inFlight: number;
  maxInFlight: number;
  acked: number;
  naked: number;
  deadLettered: number;
}

/** A counting semaphore: bounded concurrency per consumer. */
class Slots {
  private used = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly size: number) {}

  acquire(): Promise<void> {
    if (this.used < this.size) {
      this.used++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Hands a slot to every waiter (used on shutdown so a blocked pull loop can notice it must stop). */
  wakeAll(): void {
    for (const waiter of this.waiters.splice(0)) {
      this.used++;
      waiter();
    }
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.used--;
  }
}

/** One delivery being handled; `settled` guards against settling twice (shutdown deadline vs late completion). */
interface InFlight {
  msg: JsMsg;
  settled: boolean;
  done: Promise<void>;
  /** Date.now() when the handler started, or when the last in-progress ack was sent. */
  lastProgressAt: number;
}

/**
 * Drives one durable pull consumer: binds it (waiting for the stream's owner), pulls with bounded concurrency,
 * runs the Nest handler, settles each message from the handler's real outcome, and restarts the pull loop with
 * backoff if it ever ends.
 */
export class ConsumerRunner {
  private readonly logger: Logger;
  private readonly slots: Slots;
  private readonly inFlight = new Set<InFlight>();
  /** One timer per consumer (not per message) sends in-progress acks for handlers running longer than ackWait / 2. */
  private keepAliveTimer?: NodeJS.Timeout;
  private messages?: ConsumerMessages;
  private advisories?: Subscription;
  private warnedUncaptured = false;
  private stopping = false;
  private loop?: Promise<void>;
  /** Resolves when stop() begins, so back-off sleeps end at once. */
  private readonly stopped: Promise<void>;
  private signalStop!: () => void;
  stream?: string;
  private readonly stats = { running: false, maxInFlight: 0, acked: 0, naked: 0, deadLettered: 0 };

  constructor(
    readonly subject: string,
    readonly durable: string,
    private readonly handler: MessageHandler,
    private readonly transform: (result: unknown) => Observable<unknown>,
    private readonly options: ResolvedMessagingOptions,
    private readonly connection: NatsConnectionManager,
    private readonly provisioner: JetStreamProvisioner,
    private readonly instrumentation?: MessagingInstrumentation,
  ) {
    this.logger = new Logger(`JetStreamConsumer ${durable}`);
    this.slots = new Slots(options.consumer.concurrency);
    this.stopped = new Promise((resolve) => (this.signalStop = resolve));
  }

  /**
   * Binds the consumer when its stream exists (a conflicting consumer config rejects, so start-up fails loudly);
   * otherwise keeps waiting for the stream in the background and resolves at once.
   */
  async start(): Promise<void> {
    if (this.stopping) return;
    const jsm = await this.connection.jetstreamManager();
    const stream = await jsm.streams.find(this.subject).catch(() => undefined);
    if (stream) {
      await this.bind(stream);
      this.loop = this.run();
      return;
    }
    this.loop = (async () => {
      const found = await this.provisioner.waitForStream(this.subject, () => this.stopping);
      if (!found || this.stopping) return;
      try {
        await this.bind(found);
      } catch (error) {
        this.logger.error(`cannot bind consumer: ${describe(error)}`);
        return;
      }
      await this.run();
    })();
  }

  runtimeStats(): ConsumerRuntimeStats {
    return {
      durable: this.durable,
      subject: this.subject,
      stream: this.stream,
      running: this.stats.running && !this.stopping,
      inFlight: this.inFlight.size,
      maxInFlight: this.stats.maxInFlight,
      acked: this.stats.acked,
      naked: this.stats.naked,
      deadLettered: this.stats.deadLettered,
    };
  }

  /** Stops pulling, waits for in-flight handlers up to `deadlineMs`, naks what did not finish. */
  async stop(deadlineMs: number): Promise<void> {
    this.stopping = true;
    this.signalStop();
    try {
      this.advisories?.unsubscribe();
    } catch {
      // connection already closed
    }
    await this.messages?.close().catch(() => undefined);
    const pending = [...this.inFlight];
    if (pending.length > 0) {
      this.logger.log(`waiting for ${pending.length} in-flight message(s) (up to ${deadlineMs} ms)`);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled(pending.map((p) => p.done)),
        new Promise((r) => (timer = setTimeout(r, deadlineMs))),
      ]);
      clearTimeout(timer);
      this.slots.wakeAll();
      for (const entry of this.inFlight) {
        if (entry.settled) continue;
        entry.settled = true;
        this.safe(() => entry.msg.nak());
        this.logger.warn(`nak'ed seq ${entry.msg.info.streamSequence}: handler did not finish before shutdown`);
      }
    }
    clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = undefined;
    this.slots.wakeAll();
    await this.loop?.catch(() => undefined);
    this.stats.running = false;
  }

  private async bind(stream: string): Promise<void> {
    this.stream = stream;
    await this.provisioner.ensureConsumer(stream, this.durable, this.subject, this.options.consumer);
    if (this.options.dlq && !this.advisories) this.watchMaxDeliveries(stream);
  }

  /**
   * A delivery that never settles (process killed, handler hung past the ack wait) still counts; when the last one
   * times out the server stops delivering and only says so in an advisory. Park such messages in the DLQ too, so
   * running out of deliveries never silently strands a message. Every replica listens; the DLQ msgID dedupes.
   */
  private watchMaxDeliveries(stream: string): void {
    const subject = `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.${this.durable}`;
    this.advisories = this.connection.connection.subscribe(subject, {
      callback: (error, msg) => {
        if (error) return;
        let advisory: { stream_seq?: number; deliveries?: number };
        try {
          advisory = msg.json();
        } catch {
          return;
        }
        if (typeof advisory.stream_seq !== 'number') return;
        void this.deadLetterStored(stream, advisory.stream_seq, advisory.deliveries ?? this.options.consumer.maxDeliver).catch((e: unknown) =>
          this.logger.error(`could not dead-letter seq ${advisory.stream_seq} after max deliveries: ${describe(e)}`),
        );
      },
    });
  }

  private async deadLetterStored(stream: string, seq: number, deliveries: number): Promise<void> {
    const jsm = await this.connection.jetstreamManager();
    const stored = await jsm.streams.getMessage(stream, { seq });
    const reason = `max deliveries (${deliveries}) exhausted without a result (ack wait expired)`;
    const hdrs = createHeaders();
    copyHeaders(stored.header, hdrs);
    hdrs.set(DlqHeaders.OriginalSubject, stored.subject);
    hdrs.set(DlqHeaders.OriginalStream, stream);
    hdrs.set(DlqHeaders.StreamSeq, String(seq));
    const msgId = stored.header?.get('Nats-Msg-Id');
    if (msgId) hdrs.set(DlqHeaders.OriginalMsgId, headerValue(msgId));
    hdrs.set(DlqHeaders.Error, reason);
    hdrs.set(DlqHeaders.DeliveryCount, String(deliveries));
    hdrs.set(DlqHeaders.Consumer, this.durable);
    hdrs.set(DlqHeaders.Time, new Date().toISOString());
    const subject = dlqSubject(this.options.serviceName, stored.subject);
    await this.connection.jetstream().publish(subject, stored.data, {
      headers: hdrs,
      msgID: dlqMsgId(stream, seq, this.durable),
      timeout: this.options.publishTimeoutMs,
    });
    this.stats.deadLettered++;
    this.logger.error(`dead-lettered seq ${seq} of ${stored.subject} to ${subject}: ${reason}`);
    this.safeHook(() => this.instrumentation?.onDeadLetter?.({ subject: stored.subject, consumer: this.durable, reason }));
    this.settled({ outcome: 'dlq', error: reason });
  }

  /** Supervised pull loop: restarts with backoff whenever consume() ends or fails while not stopping. */
  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        const consumer = await this.connection.jetstream().consumers.get(this.stream!, this.durable);
        const messages = await consumer.consume({ max_messages: this.options.consumer.concurrency });
        this.messages = messages;
        if (this.stopping) {
          await messages.close();
          break;
        }
        this.stats.running = true;
        void this.watch(messages);
        for await (const msg of messages) {
          failures = 0;
          if (this.stopping) {
            this.safe(() => msg.nak());
            continue;
          }
          await this.slots.acquire();
          if (this.stopping) {
            this.slots.release();
            this.safe(() => msg.nak());
            continue;
          }
          this.dispatch(msg);
        }
        this.stats.running = false;
        if (!this.stopping) this.logger.warn('pull loop ended unexpectedly; restarting');
      } catch (error) {
        this.stats.running = false;
        if (this.stopping) break;
        this.logger.error(`pull loop failed: ${describe(error)}; restarting`);
      }
      if (this.stopping) break;
      if (this.connectionClosed()) {
        this.logger.error('NATS connection is closed for good; consumer stopped');
        break;
      }
      failures++;
      await Promise.race([sleep(Math.min(30_000, 500 * 2 ** Math.min(failures, 6))), this.stopped]);
    }
  }

  private connectionClosed(): boolean {
    try {
      return this.connection.connection.isClosed();
    } catch {
      return true;
    }
  }

  private async watch(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const s of await messages.status()) {
        switch (s.type) {
          case ConsumerEvents.HeartbeatsMissed:
            if (Number(s.data) >= 2) this.logger.warn(`missed ${String(s.data)} heartbeats from the server`);
            break;
          case ConsumerEvents.ConsumerNotFound:
          case ConsumerEvents.ConsumerDeleted:
            this.logger.warn(`consumer not found (${String(s.data)}); recreating`);
            if (this.stream) {
              await this.provisioner
                .ensureConsumer(this.stream, this.durable, this.subject, this.options.consumer)
                .catch((error: unknown) => this.logger.error(`cannot recreate consumer: ${describe(error)}`));
            }
            break;
          case ConsumerEvents.StreamNotFound:
            this.logger.warn(`stream ${this.stream ?? '?'} not found (${String(s.data)})`);
            break;
          default:
            break;
        }
      }
    } catch {
      // status iterator ends with the consume loop
    }
  }

  private dispatch(msg: JsMsg): void {
    const entry: InFlight = { msg, settled: false, done: Promise.resolve(), lastProgressAt: Date.now() };
    this.inFlight.add(entry);
    this.keepAliveTimer ??= setInterval(() => this.keepInFlightAlive(), this.progressIntervalMs() / 2);
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.inFlight.size);
    const run = () => this.handle(entry);
    const handling = this.instrumentation?.runInMessageContext ? this.instrumentation.runInMessageContext(msg.headers, run) : run();
    entry.done = handling
      .catch((error: unknown) => this.logger.error(`unexpected failure settling seq ${msg.info.streamSequence}: ${describe(error)}`))
      .finally(() => {
        this.inFlight.delete(entry);
        this.slots.release();
        if (this.inFlight.size === 0) {
          clearInterval(this.keepAliveTimer);
          this.keepAliveTimer = undefined;
        }
      });
  }

  private async handle(entry: InFlight): Promise<void> {
    const { msg } = entry;
    const context = new JetStreamContext(msg);
    let decoded: ReturnType<ResolvedMessagingOptions['codec']['decode']>;
    try {
      decoded = this.options.codec.decode(msg.subject, msg.data);
    } catch (error) {
      decoded = { ok: false, kind: 'malformed', reason: describe(error) };
    }
    if (!decoded.ok) {
      // Poison: retrying cannot fix bytes. Dead-letter at once, never reach the handler.
      await this.deadLetter(entry, context, `${decoded.kind}: ${decoded.reason}`, undefined);
      return;
    }

    const started = performance.now();
    entry.lastProgressAt = Date.now();
    let failure: { error: unknown } | undefined;
    try {
      const result = await this.handler(decoded.value, context);
      // Ack only when the returned Promise/Observable completes; any error emission is a failure.
      await lastValueFrom(this.transform(result), { defaultValue: undefined });
    } catch (emitted) {
      // Prefer the original exception the capture interceptor saw over Nest's "Internal server error".
      failure = { error: context.hasCapturedError() ? context.capturedError() : emitted };
      if (!context.hasCapturedError() && !this.warnedUncaptured && isNestWrappedError(emitted)) {
        this.warnedUncaptured = true;
        this.logger.warn(
          'handler failed but its original exception was not captured (PermanentError cannot be recognised): ' +
            'connect the transport with { inheritAppConfig: true } so MessagingModule\'s interceptor runs',
        );
      }
    }
    if (entry.settled) return; // nak'ed by the shutdown deadline

    if (!failure) {
      entry.settled = true;
      this.safe(() => msg.ack());
      this.stats.acked++;
      // One line per handled message, as one per HTTP request.
      this.logger.log(`handled ${msg.subject} seq ${msg.info.streamSequence} in ${Math.round(performance.now() - started)} ms`);
      this.settled({ outcome: 'ack' });
      return;
    }
    const reason = describeFailure(failure.error);
    if (isPermanentError(failure.error)) {
      await this.deadLetter(entry, context, `permanent: ${reason}`, failure.error);
    } else if (context.deliveryCount >= this.options.consumer.maxDeliver) {
      await this.deadLetter(entry, context, `max deliveries (${context.deliveryCount}) exhausted: ${reason}`, failure.error);
    } else {
      this.nak(entry, failure.error, reason);
    }
  }

  private progressIntervalMs(): number {
    return Math.max(500, Math.floor(this.options.consumer.ackWaitMs / 2));
  }

  /** Tells the server that handlers still running are alive, so their messages are not redelivered meanwhile. */
  private keepInFlightAlive(): void {
    const due = Date.now() - this.progressIntervalMs();
    for (const entry of this.inFlight) {
      if (entry.settled || entry.lastProgressAt > due) continue;
      entry.lastProgressAt = Date.now();
      this.safe(() => entry.msg.working());
    }
  }

  private nak(entry: InFlight, error: unknown, reason: string): void {
    const { msg } = entry;
    const delay = backoffDelay(this.options.consumer.backoffMs, msg.info.redeliveryCount);
    entry.settled = true;
    this.safe(() => msg.nak(delay));
    this.stats.naked++;
    this.logger.warn(
      `seq ${msg.info.streamSequence} delivery ${msg.info.redeliveryCount}/${this.options.consumer.maxDeliver} failed (${reason}); retry in ${delay} ms`,
    );
    this.settled({ outcome: 'nak', error });
  }

  // term() carries no reason: nats-server 2.9 ignores "+TERM <reason>" entirely (reasons arrived in 2.10.4).

  /** Copies the message byte for byte to `dlq.<service>.<subject>` with dlq-* headers, then terms it. */
  private async deadLetter(entry: InFlight, context: JetStreamContext, reason: string, error: unknown): Promise<void> {
    const { msg } = entry;
    if (entry.settled) return;
    if (!this.options.dlq) {
      entry.settled = true;
      this.safe(() => msg.term());
      this.logger.error(`termed seq ${msg.info.streamSequence} (DLQ disabled): ${reason}`);
      this.settled({ outcome: 'term', error: error ?? reason });
      return;
    }
    const hdrs = createHeaders();
    copyHeaders(msg.headers, hdrs);
    hdrs.set(DlqHeaders.OriginalSubject, msg.subject);
    hdrs.set(DlqHeaders.OriginalStream, msg.info.stream);
    hdrs.set(DlqHeaders.StreamSeq, String(msg.info.streamSequence));
    if (context.messageId) hdrs.set(DlqHeaders.OriginalMsgId, headerValue(context.messageId));
    hdrs.set(DlqHeaders.Error, headerValue(reason));
    hdrs.set(DlqHeaders.DeliveryCount, String(msg.info.redeliveryCount));
    hdrs.set(DlqHeaders.Consumer, msg.info.consumer);
    hdrs.set(DlqHeaders.Time, new Date().toISOString());
    const subject = dlqSubject(this.options.serviceName, msg.subject);
    try {
      await this.connection.jetstream().publish(subject, msg.data, {
        headers: hdrs,
        // Same id on a retry (e.g. the term got lost and the message came back): the DLQ stores it once.
        msgID: dlqMsgId(msg.info.stream, msg.info.streamSequence, msg.info.consumer),
        timeout: this.options.publishTimeoutMs,
      });
    } catch (publishError) {
      // Never drop a message we could not park: retry it later instead.
      this.logger.error(`could not publish seq ${msg.info.streamSequence} to ${subject} (${describe(publishError)}); nak'ing`);
      this.nak(entry, error ?? reason, reason);
      return;
    }
    entry.settled = true;
    this.safe(() => msg.term());
    this.stats.deadLettered++;
    this.logger.error(`dead-lettered seq ${msg.info.streamSequence} of ${msg.subject} to ${subject}: ${reason}`);
    this.safeHook(() => this.instrumentation?.onDeadLetter?.({ subject: msg.subject, consumer: this.durable, reason }));
    this.settled({ outcome: 'dlq', error: error ?? reason });
  }

  private settled(info: Omit<SettledInfo, 'subject' | 'consumer'>): void {
    this.safeHook(() => this.instrumentation?.onSettled?.({ subject: this.subject, consumer: this.durable, ...info }));
  }

  private safe(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.logger.warn(`settling failed: ${describe(error)}`);
    }
  }

  private safeHook(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.logger.warn(`instrumentation hook failed: ${describe(error)}`);
    }
  }
}

/** nak delay for the given (1-based) delivery: backoff[delivery - 1], the last entry repeating. */
export function backoffDelay(backoffMs: readonly number[], deliveryCount: number): number {
  if (backoffMs.length === 0) return 0;
  return backoffMs[Math.min(Math.max(deliveryCount, 1) - 1, backoffMs.length - 1)];
}

/** Nest's RPC exception filter output (`{ status: 'error', message }`), which hides the original exception. */
function isNestWrappedError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && !(error instanceof Error) && (error as { status?: unknown }).status === 'error';
}

/** One DLQ entry per (stream, seq, consumer), however many replicas or retries try to park it. */
function dlqMsgId(stream: string, seq: number, consumer: string): string {
  return `dlq:${stream}:${seq}:${consumer}`;
}

/** A one-line header-safe value (no CR/LF), capped in length. */
export function headerValue(value: string): string {
  return value.replace(/[\r\n]+/g, ' ').slice(0, 1024);
}

/** Readable text of whatever a handler failed with, including Nest's wrapped `{status, message}` objects. */
export function describeFailure(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  if (typeof error === 'object' && error !== null) {
    try {
      return JSON.stringify(error);
    } catch {
      return String(error);
    }
  }
  return String(error);
}

/** Copies application headers (trace context, etc.), leaving out the JetStream control headers. */
function copyHeaders(from: MsgHdrs | undefined, to: MsgHdrs): void {
  if (!from) return;
  for (const key of from.keys()) {
    if (/^nats-/i.test(key)) continue;
    for (const value of from.values(key)) to.append(key, value);
  }
}
