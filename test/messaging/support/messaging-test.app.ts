import { setTimeout as sleep } from 'node:timers/promises';

import { EventPublisher, JetStreamContext, JetStreamServer, MessagingModule, type MessagingModuleOptions, PermanentError } from '@app/messaging';
import { Controller, Injectable, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { concat, delay, type Observable, of, throwError } from 'rxjs';

import { NatsConnectionManager } from '../../../libs/messaging/src/nats-connection.manager';
import type { TestEvent } from './json.codec';

/** Everything the handlers saw, for assertions. */
@Injectable()
export class Probe {
  readonly calls: { subject: string; id: string; deliveryCount: number; at: number; ctx: JetStreamContext }[] = [];
  concurrent = 0;
  maxConcurrent = 0;

  record(event: TestEvent, ctx: JetStreamContext): number {
    this.calls.push({ subject: ctx.subject, id: event.id, deliveryCount: ctx.deliveryCount, at: Date.now(), ctx });
    return this.calls.filter((c) => c.id === event.id).length;
  }

  callsFor(id: string) {
    return this.calls.filter((c) => c.id === id);
  }

  async waitFor(predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await sleep(50);
    }
  }
}

/** Subjects under one unique prefix: `<prefix>.ok`, `.flaky`, ... */
export function subjectsFor(prefix: string) {
  return {
    ok: `${prefix}.ok`,
    flaky: `${prefix}.flaky`,
    observable: `${prefix}.observable`,
    permanent: `${prefix}.permanent`,
    always: `${prefix}.always`,
    slow: `${prefix}.slow`,
  };
}

function handlersFor(prefix: string): Type<unknown> {
  const s = subjectsFor(prefix);

  @Controller()
  class TestHandlers {
    constructor(private readonly probe: Probe) {}

    @EventPattern<string>(s.ok)
    handleOk(@Payload() event: TestEvent, @Ctx() ctx: JetStreamContext): void {
      this.probe.record(event, ctx);
    }

    /** Rejects (async throw) on the first two deliveries, succeeds on the third. */
    @EventPattern<string>(s.flaky)
    async handleFlaky(@Payload() event: TestEvent, @Ctx() ctx: JetStreamContext): Promise<void> {
      const attempt = this.probe.record(event, ctx);
      await sleep(5);
      if (attempt <= 2) throw new Error(`transient failure ${attempt}`);
    }

    /** First delivery: emits a value THEN errors (must not be acked on the first value). */
    @EventPattern<string>(s.observable)
    handleObservable(@Payload() event: TestEvent, @Ctx() ctx: JetStreamContext): Observable<string> {
      const attempt = this.probe.record(event, ctx);
      if (attempt === 1)
        return concat(
          of('partial').pipe(delay(5)),
          throwError(() => new Error('late observable failure')),
        );
      return of('done');
    }

    @EventPattern<string>(s.permanent)
    handlePermanent(@Payload() event: TestEvent, @Ctx() ctx: JetStreamContext): void {
      this.probe.record(event, ctx);
      throw new PermanentError(`order ${String(event.data.orderId)} cannot be processed`);
    }

    @EventPattern<string>(s.always)
    handleAlways(@Payload() event: TestEvent, @Ctx() ctx: JetStreamContext): Promise<void> {
      this.probe.record(event, ctx);
      return Promise.reject(new Error('still broken'));
    }

    @EventPattern<string>(s.slow)
    async handleSlow(@Payload() event: TestEvent, @Ctx() ctx: JetStreamContext): Promise<void> {
      this.probe.record(event, ctx);
      this.probe.concurrent++;
      this.probe.maxConcurrent = Math.max(this.probe.maxConcurrent, this.probe.concurrent);
      try {
        await sleep(Number(event.data.ms ?? 300));
      } finally {
        this.probe.concurrent--;
      }
    }
  }
  return TestHandlers;
}

export interface MessagingTestApp {
  app: NestFastifyApplication;
  probe: Probe;
  publisher: EventPublisher;
  server: JetStreamServer;
  connection: NatsConnectionManager;
  close(): Promise<void>;
}

/** Boots a Fastify app with MessagingModule and the JetStream transport the way services do. */
export async function startMessagingTestApp(
  prefix: string,
  options: MessagingModuleOptions,
  withHandlers = true,
  extraImports: Type<unknown>[] = [],
): Promise<MessagingTestApp> {
  @Module({
    imports: [...extraImports, MessagingModule.forRootAsync({ useFactory: () => options })],
    controllers: withHandlers ? [handlersFor(prefix)] : [],
    providers: [Probe],
  })
  class TestModule {}

  const app = await NestFactory.create<NestFastifyApplication>(TestModule, new FastifyAdapter(), {
    logger: process.env.TEST_LOGS ? ['log', 'warn', 'error'] : false,
    abortOnError: false,
  });
  const server = app.get(JetStreamServer);
  app.connectMicroservice({ strategy: server }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  await app.init();
  return {
    app,
    probe: app.get(Probe),
    publisher: app.get(EventPublisher),
    server,
    connection: app.get(NatsConnectionManager),
    close: () => app.close(),
  };
}
