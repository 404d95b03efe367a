/**
 * A three-step saga in one Nest app (HTTP -> orders.created -> inventory.reserved -> payments.failed, which
 * throws), on Fastify with TelemetryModule and the fake JetStream transport: enough to see what telemetry does
 * across Nest's HTTP and RPC pipelines in one process.
 */
import { TelemetryModule, type TraceLogFields, traceLogMixin } from '@app/telemetry';
import { Controller, Injectable, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';

import { FakeJetStreamContext, FakeJetStreamServer, FakeStream } from './fake-jetstream.transport';

/** Thrown by the last step; its class name must reach the span, not Nest's "Internal server error". */
export class PaymentGatewayError extends Error {}

/** What each handler saw: the log fields of its active span. */
@Injectable()
export class HandlerLog {
  readonly entries: { subject: string; fields: TraceLogFields }[] = [];
}

@Controller('orders')
class OrdersController {
  constructor(private readonly stream: FakeStream) {}

  @Post()
  async create(): Promise<{ id: string }> {
    await this.stream.publish('orders.created', { orderId: 'o-1' });
    return { id: 'o-1' };
  }
}

@Controller()
class SagaHandlers {
  constructor(
    private readonly stream: FakeStream,
    private readonly log: HandlerLog,
  ) {}

  @EventPattern<string>('orders.created')
  async reserve(@Payload() data: unknown, @Ctx() ctx: FakeJetStreamContext): Promise<void> {
    this.log.entries.push({ subject: ctx.subject, fields: traceLogMixin() });
    await new Promise((resolve) => setTimeout(resolve, 1));
    await this.stream.publish('inventory.reserved', data);
  }

  @EventPattern<string>('inventory.reserved')
  async pay(@Payload() data: unknown, @Ctx() ctx: FakeJetStreamContext): Promise<void> {
    this.log.entries.push({ subject: ctx.subject, fields: traceLogMixin() });
    await this.stream.publish('payments.failed', data);
  }

  @EventPattern<string>('payments.failed')
  async cancel(@Ctx() ctx: FakeJetStreamContext): Promise<void> {
    this.log.entries.push({ subject: ctx.subject, fields: traceLogMixin() });
    throw new PaymentGatewayError('gateway down');
  }
}

@Module({
  imports: [TelemetryModule],
  controllers: [OrdersController, SagaHandlers],
  providers: [FakeStream, HandlerLog],
})
class SagaTestModule {}

export interface SagaTestApp {
  app: NestFastifyApplication;
  server: FakeJetStreamServer;
  stream: FakeStream;
  log: HandlerLog;
  /** Delivers pending messages until none are left; returns the errors handlers ended with, by subject. */
  drain(): Promise<Record<string, unknown>>;
}

/** Boots the saga app the way `runService` does: Fastify, microservice connected with `inheritAppConfig`. */
export async function startSagaTestApp(): Promise<SagaTestApp> {
  const app = await NestFactory.create<NestFastifyApplication>(SagaTestModule, new FastifyAdapter(), { logger: false });
  const server = new FakeJetStreamServer();
  app.connectMicroservice({ strategy: server }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const stream = app.get(FakeStream);
  return {
    app,
    server,
    stream,
    log: app.get(HandlerLog),
    async drain() {
      const errors: Record<string, unknown> = {};
      for (let message = stream.pending.shift(); message; message = stream.pending.shift()) {
        await server.deliver(message).catch((error: unknown) => {
          errors[message.subject] = error;
        });
      }
      return errors;
    },
  };
}
