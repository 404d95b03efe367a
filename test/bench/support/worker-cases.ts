/**
 * The measured cases, grouped by the worker process that runs them. Each setup returns the cases it offers as
 * `run(count, timeoutMs)` functions plus a `close()`.
 *
 * Timing rules, identical for every case:
 * - end to end: t0 = first publish call; each message's latency is handler start minus its own publish start;
 *   throughput = messages / (last handler start - t0). Publishers keep `inFlight` publishes outstanding.
 * - publisher alone: latency is publish call to JetStream ack; throughput = messages / (last ack - t0).
 * - outbox: latency is transaction start to the relay's JetStream ack; throughput = rows / (last ack - t0).
 * Payloads are built before t0.
 */
import { tmpdir } from 'node:os';

import { EventPublisher, JetStreamContext, JetStreamServer, MessagingModule, type MessagingModuleOptions } from '@app/messaging';
import { EventOutbox, PersistenceModule, UnitOfWork } from '@app/persistence';
import { TelemetryModule } from '@app/telemetry';
import {
  type CallHandler,
  Controller,
  type ExecutionContext,
  Inject,
  Injectable,
  Module,
  type NestInterceptor,
  type Type,
  UseInterceptors,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AckPolicy, connect, DeliverPolicy, DiscardPolicy, type JsMsg, nanos, RetentionPolicy, StorageType } from 'nats';
import { isObservable, lastValueFrom, type Observable } from 'rxjs';

import { benchCodec, type BenchEvent, eventTemplate, makeEvents, rawBytes } from './events';
import type { CaseId, RoundResult, WorkerConfig } from './protocol';
import { completion, latencySummary, pump, round } from './stats';
import { startBenchTracing } from './tracing';

export interface CaseRunner {
  (count: number, timeoutMs: number, ratePerSec?: number): Promise<RoundResult>;
}

export interface WorkerSetup {
  cases: Partial<Record<CaseId, CaseRunner>>;
  info: Record<string, string | number>;
  close(): Promise<void>;
}

/** Where handler starts are reported; one per consumer, re-armed by each round. */
class Sink {
  onMessage: (id: string, at: number) => void = () => {
    this.stray++;
  };
  stray = 0;
}

function result(count: number, elapsedMs: number, latencies: number[], extra?: Record<string, number>): RoundResult {
  return {
    count,
    elapsedMs: round(elapsedMs, 1),
    msgsPerSec: round((count / elapsedMs) * 1000, 0),
    ...latencySummary(latencies),
    ...(extra ? { extra } : {}),
  };
}

/** One end-to-end round: publish `count` events through `publish`, wait until the sink saw every one. */
async function endToEndRound(
  events: BenchEvent[],
  inFlight: number,
  sink: Sink,
  publish: (event: BenchEvent) => Promise<unknown>,
  timeoutMs: number,
  what: string,
  ratePerSec?: number,
): Promise<RoundResult> {
  const count = events.length;
  const starts = new Map<string, number>();
  const latencies: number[] = [];
  let lastAt = 0;
  const strayBefore = sink.stray;
  const waiter = completion(() => latencies.length >= count, timeoutMs, what);
  sink.onMessage = (id, at) => {
    const start = starts.get(id);
    if (start === undefined) {
      sink.stray++;
      return;
    }
    starts.delete(id); // a redelivery of the same message counts as stray, not twice
    latencies.push(at - start);
    lastAt = at;
    if (latencies.length >= count) waiter.poke();
  };
  const t0 = performance.now();
  try {
    await pump(
      count,
      inFlight,
      (i) => {
        const event = events[i];
        starts.set(event.id, performance.now());
        return publish(event);
      },
      ratePerSec,
    );
    await waiter.done;
  } finally {
    sink.onMessage = () => {
      sink.stray++;
    };
  }
  return result(count, lastAt - t0, latencies, { stray: sink.stray - strayBefore });
}

/** One publisher-only round: latency is publish call to ack. */
async function publishRound(
  events: BenchEvent[],
  inFlight: number,
  publish: (event: BenchEvent) => Promise<unknown>,
  ratePerSec?: number,
): Promise<RoundResult> {
  const latencies: number[] = [];
  let lastAt = 0;
  const t0 = performance.now();
  await pump(
    events.length,
    inFlight,
    async (i) => {
      const start = performance.now();
      await publish(events[i]);
      lastAt = performance.now();
      latencies.push(lastAt - start);
    },
    ratePerSec,
  );
  return result(events.length, lastAt - t0, latencies);
}

// ---------------------------------------------------------------------------------------------------------------
// raw: the `nats` client alone (the baseline)
// ---------------------------------------------------------------------------------------------------------------

/**
 * Raw client: one connection, a stream configured exactly as our provisioner configures streams (file storage,
 * limits retention, 2 min duplicate window), a durable pull consumer configured as ours (explicit ack, same ack
 * wait, max_deliver and max_ack_pending), consumed with `consume()` defaults and acked one by one. Publishes set
 * `Nats-Msg-Id` like ours, so the server does the same de-duplication work.
 */
export async function setupRaw(config: WorkerConfig): Promise<WorkerSetup> {
  const nc = await connect({ servers: config.natsUrl.split(','), name: `bench-raw-${config.stream}` });
  const jsm = await nc.jetstreamManager();
  const js = nc.jetstream();
  await jsm.streams.add({
    name: config.stream,
    subjects: [`${config.prefix}.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    duplicate_window: nanos(120_000),
    num_replicas: 1,
  });
  const e2eSubject = `${config.prefix}.e2e.orders.created`;
  const publishSubject = `${config.prefix}.pub.orders.created`;
  const addConsumer = (durable: string, subject: string) =>
    jsm.consumers.add(config.stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: subject,
      ack_wait: nanos(30_000),
      max_deliver: 5,
      max_ack_pending: Math.max(1000, config.concurrency * 4),
    });
  const durable = 'bench_raw_e2e';
  await addConsumer(durable, e2eSubject);
  // Second reference: the same consumer configuration read in callback mode (no async iterator per message).
  const callbackSubject = `${config.prefix}.e2e-callback.orders.created`;
  const callbackDurable = 'bench_raw_callback_e2e';
  await addConsumer(callbackDurable, callbackSubject);
  const callbackSink = new Sink();
  const callbackMessages = await (
    await js.consumers.get(config.stream, callbackDurable)
  ).consume({
    callback: (m) => {
      const at = performance.now();
      callbackSink.onMessage(m.json<{ id: string }>().id, at);
      m.ack();
    },
  });
  const sink = new Sink();
  const consumer = await js.consumers.get(config.stream, durable);
  const messages = await consumer.consume();
  const loop = (async () => {
    for await (const m of messages) {
      const at = performance.now();
      const event = m.json<{ id: string }>();
      sink.onMessage(event.id, at);
      m.ack();
    }
  })();
  const template = eventTemplate();
  const publishRaw = (subject: string) => (event: BenchEvent) => js.publish(subject, rawBytes(event), { msgID: event.id, timeout: 5000 });

  return {
    info: { natsServer: nc.info?.version ?? '?', natsClient: 'nats.js' },
    cases: {
      'raw-e2e': (count, timeoutMs, rate) =>
        endToEndRound(makeEvents(template, count), config.inFlight, sink, publishRaw(e2eSubject), timeoutMs, 'raw-e2e', rate),
      'raw-callback-e2e': (count, timeoutMs, rate) =>
        endToEndRound(makeEvents(template, count), config.inFlight, callbackSink, publishRaw(callbackSubject), timeoutMs, 'raw-callback-e2e', rate),
      'raw-publish': (count, _timeoutMs, rate) => publishRound(makeEvents(template, count), config.inFlight, publishRaw(publishSubject), rate),
    },
    async close() {
      await messages.close().catch(() => undefined);
      await callbackMessages.close().catch(() => undefined);
      await loop.catch(() => undefined);
      await nc.drain().catch(() => undefined);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// transport / traced: a Nest app with MessagingModule + JetStreamServer + one @EventPattern handler
// ---------------------------------------------------------------------------------------------------------------

function messagingOptions(config: WorkerConfig, serviceName: string): MessagingModuleOptions {
  return {
    serviceName,
    connection: { servers: config.natsUrl.split(','), name: serviceName },
    streams: [{ name: config.stream, subjects: [`${config.prefix}.>`], description: 'benchmark (deleted after the run)' }],
    // The shared server's DLQ stream is not ours to create; dead-lettering is off the hot path anyway.
    dlq: false,
    codec: benchCodec(config.codec, `${config.prefix}.e2e`),
    consumer: { concurrency: config.concurrency },
  };
}

/** A Nest interceptor that does nothing: what the interceptor pipeline costs on its own, with no work in it. */
@Injectable()
class PassThroughInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle();
  }
}

function handlerModule(config: WorkerConfig, serviceName: string, sink: Sink, traced: boolean): Type<unknown> {
  const subject = `${config.prefix}.e2e.orders.created`;
  const direct = pipelineSubject(config, 'direct');
  const intercepted = pipelineSubject(config, 'intercepted');

  @Controller()
  class BenchHandlers {
    constructor(@Inject(Sink) private readonly sink: Sink) {}

    @EventPattern<string>(subject)
    handle(@Payload() event: BenchEvent, @Ctx() _ctx: JetStreamContext): void {
      this.sink.onMessage(event.id, performance.now());
    }

    // Called straight through Nest's handler proxy (no broker) by the handler-* cases.
    @EventPattern<string>(direct)
    direct(@Payload() event: BenchEvent, @Ctx() _ctx: JetStreamContext): string {
      return event.id;
    }

    @EventPattern<string>(intercepted)
    @UseInterceptors(PassThroughInterceptor)
    intercepted(@Payload() event: BenchEvent, @Ctx() _ctx: JetStreamContext): string {
      return event.id;
    }
  }

  @Module({
    imports: [...(traced ? [TelemetryModule] : []), MessagingModule.forRoot(messagingOptions(config, serviceName))],
    controllers: [BenchHandlers],
    providers: [{ provide: Sink, useValue: sink }],
  })
  class BenchTransportModule {}

  return BenchTransportModule;
}

function pipelineSubject(config: WorkerConfig, which: 'direct' | 'intercepted'): string {
  return `${config.prefix}.pipeline.${which}`;
}

/**
 * Calls one handler `count` times through the proxy Nest built for it (pipes, interceptors, exception filters), as
 * the transport does for each message, without the broker: the Nest pipeline's own cost per message.
 */
async function pipelineRound(
  server: JetStreamServer,
  subject: string,
  count: number,
  events: BenchEvent[],
  context: JetStreamContext,
): Promise<RoundResult> {
  const handler = server.getHandlerByPattern(subject);
  if (!handler) throw new Error(`no handler for ${subject}`);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const result: unknown = await handler(events[i], context);
    if (isObservable(result)) await lastValueFrom(result);
  }
  return result(count, performance.now() - t0, []);
}

/** Boots the module the way the services do: Fastify app, transport connected with `inheritAppConfig: true`. */
async function startNestApp(module: Type<unknown>): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(module, new FastifyAdapter(), { logger: ['error', 'warn'] });
  app.connectMicroservice({ strategy: app.get(JetStreamServer) }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  await app.init();
  return app;
}

/**
 * Our transport end to end. With `traced`, OpenTelemetry is registered first (always-on sampler, BatchSpanProcessor
 * into a counting no-op exporter, W3C propagation, AsyncLocalStorage context, a Prometheus metric reader as the
 * services have) and TelemetryModule provides MESSAGING_INSTRUMENTATION and the process-span interceptor.
 */
export async function setupTransport(config: WorkerConfig, traced: boolean): Promise<WorkerSetup> {
  const tracing = traced ? startBenchTracing() : undefined;
  const sink = new Sink();
  const serviceName = `bench-${config.stream.toLowerCase().replace(/_/g, '-')}`;
  const app = await startNestApp(handlerModule(config, serviceName, sink, traced));
  const publisher = app.get(EventPublisher);
  const server = app.get(JetStreamServer);
  const template = eventTemplate();
  const pipelineContext = new JetStreamContext({
    subject: pipelineSubject(config, 'direct'),
    headers: undefined,
    data: new Uint8Array(450),
    redelivered: false,
    info: { stream: config.stream, streamSequence: 1, redeliveryCount: 1, consumer: 'bench' },
  } as unknown as JsMsg);
  // Publisher-alone case: a subject of the same stream that no consumer reads. encode + publishRaw is exactly
  // what EventPublisher.publish does (the module's codec would address the consumed subject).
  const publishOnly = benchCodec(config.codec, `${config.prefix}.pub`);

  const e2e: CaseRunner = async (count, timeoutMs, rate) => {
    const spansBefore = tracing?.exported() ?? 0;
    const what = traced ? 'transport-traced-e2e' : 'transport-e2e';
    const res = await endToEndRound(makeEvents(template, count), config.inFlight, sink, (e) => publisher.publish(e), timeoutMs, what, rate);
    if (tracing) {
      await tracing.flush();
      res.extra = { ...res.extra, spansPerMessage: round((tracing.exported() - spansBefore) / count, 2) };
    }
    return res;
  };
  const cases: WorkerSetup['cases'] = traced
    ? { 'transport-traced-e2e': e2e }
    : {
        'transport-e2e': e2e,
        'handler-direct': (count) => pipelineRound(server, pipelineSubject(config, 'direct'), count, makeEvents(template, count), pipelineContext),
        'handler-intercepted': (count) =>
          pipelineRound(server, pipelineSubject(config, 'intercepted'), count, makeEvents(template, count), pipelineContext),
        publisher: (count, _timeoutMs, rate) =>
          publishRound(
            makeEvents(template, count),
            config.inFlight,
            (e) => {
              const encoded = publishOnly.encode(e);
              return publisher.publishRaw(encoded.subject, encoded.data, { msgId: encoded.msgId });
            },
            rate,
          ),
      };
  return {
    info: {
      codec: config.codec,
      concurrency: config.concurrency,
      tracing: traced ? 'always-on, BatchSpanProcessor -> no-op exporter' : 'off (no TelemetryModule)',
    },
    cases,
    async close() {
      await app.close();
      await tracing?.shutdown();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// outbox: PersistenceModule on a fresh PostgreSQL database, relay publishing through EventPublisher
// ---------------------------------------------------------------------------------------------------------------

/** Reports each relay publish's ack, by message id. */
class AckWatch {
  onAck: (msgId: string, at: number) => void = () => undefined;
}

/**
 * The transactional outbox as the services wire it (EventPlatformModule): `UnitOfWork.transactional` +
 * `EventOutbox.enqueue` (codec encode = validation, trace-context capture, INSERT, COMMIT, relay wake-up), then the
 * relay's batch (SELECT ... FOR UPDATE SKIP LOCKED, publishRaw per row, UPDATE sent_at, COMMIT). Not included: the
 * circuit breaker the services put around relay publishes, and any business row written in the same transaction.
 * `direct-publish` is the same event count published with `EventPublisher.publish` by the same number of callers.
 */
export async function setupOutbox(config: WorkerConfig): Promise<WorkerSetup> {
  if (!config.databaseUrl) throw new Error('outbox worker needs a database URL');
  const acks = new AckWatch();
  const serviceName = `bench-${config.stream.toLowerCase().replace(/_/g, '-')}`;
  const prefix = `${config.prefix}.outbox`;
  const codec = benchCodec(config.codec, prefix);
  const directCodec = benchCodec(config.codec, `${config.prefix}.direct`);

  @Module({
    imports: [
      MessagingModule.forRoot({ ...messagingOptions(config, serviceName), codec: directCodec }),
      PersistenceModule.forRootAsync({
        inject: [EventPublisher],
        useFactory: (publisher: EventPublisher) => ({
          serviceName,
          schema: 'bench',
          databaseUrl: config.databaseUrl,
          dataDir: tmpdir(),
          migrations: [],
          codec,
          publisher: {
            publish: async (subject: string, data: Uint8Array, { msgId, headers }: { msgId: string; headers: Record<string, string> }) => {
              const ack = await publisher.publishRaw(subject, data, { msgId, headers });
              acks.onAck(msgId, performance.now());
              return ack;
            },
          },
        }),
      }),
    ],
  })
  class BenchOutboxModule {}

  const app = await NestFactory.create<NestFastifyApplication>(BenchOutboxModule, new FastifyAdapter(), { logger: ['error', 'warn'] });
  await app.init();
  const uow = app.get(UnitOfWork);
  const outbox = app.get(EventOutbox);
  const publisher = app.get(EventPublisher);
  const template = eventTemplate();

  return {
    info: { outboxWriters: config.outboxWriters },
    cases: {
      outbox: async (count, timeoutMs) => {
        const events = makeEvents(template, count);
        const starts = new Map<string, number>();
        const latencies: number[] = [];
        let lastAt = 0;
        const waiter = completion(() => latencies.length >= count, timeoutMs, 'outbox');
        acks.onAck = (id, at) => {
          const start = starts.get(id);
          if (start === undefined) return;
          starts.delete(id);
          latencies.push(at - start);
          lastAt = at;
          if (latencies.length >= count) waiter.poke();
        };
        const t0 = performance.now();
        try {
          await pump(count, config.outboxWriters, (i) => {
            const event = events[i];
            starts.set(event.id, performance.now());
            return uow.transactional((tx) => outbox.enqueue(tx, event));
          });
          await waiter.done;
        } finally {
          acks.onAck = () => undefined;
        }
        return result(count, lastAt - t0, latencies);
      },
      'direct-publish': (count) => publishRound(makeEvents(template, count), config.outboxWriters, (e) => publisher.publish(e)),
    },
    async close() {
      await app.close();
    },
  };
}
