import { type BeforeApplicationShutdown, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { type CustomTransportStrategy, Server } from '@nestjs/microservices';
import type { NatsConnection } from 'nats';

import { ConsumerRunner, type ConsumerRuntimeStats } from './consumer/consumer-runner';
import { JetStreamProvisioner } from './jetstream.provisioner';
import { JETSTREAM_TRANSPORT, MESSAGING_INSTRUMENTATION, MESSAGING_OPTIONS } from './messaging.constants';
import type { MessagingInstrumentation } from './messaging.instrumentation';
import { durableName, type ResolvedMessagingOptions } from './messaging.options';
import { describe } from './messaging.utils';
import { type ConnectionStatus, NatsConnectionManager } from './nats-connection.manager';

/**
 * Nest custom transport over JetStream: every `@EventPattern<string>(subject)` handler gets one durable pull consumer
 * (`<service>__<subject>`), shared by all replicas of the service. Obtain it from DI and attach it with
 * `app.connectMicroservice({ strategy: app.get(JetStreamServer) }, { inheritAppConfig: true })`.
 */
@Injectable()
export class JetStreamServer extends Server implements CustomTransportStrategy, BeforeApplicationShutdown {
  override readonly transportId = JETSTREAM_TRANSPORT;
  protected override readonly logger = new Logger('JetStreamServer');
  private readonly runners: ConsumerRunner[] = [];
  private closing?: Promise<void>;

  constructor(
    @Inject(MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    private readonly connectionManager: NatsConnectionManager,
    private readonly provisioner: JetStreamProvisioner,
    @Optional() @Inject(MESSAGING_INSTRUMENTATION) private readonly instrumentation?: MessagingInstrumentation,
  ) {
    super();
  }

  /** Binds a consumer per handler and starts pulling. Fails (rejecting `startAllMicroservices`) on a consumer conflict. */
  listen(callback: (error?: unknown, info?: unknown) => void): void {
    this.start().then(
      () => callback(),
      async (error: unknown) => {
        // Do not leave the consumers that did bind pulling behind a failed start.
        await this.close().catch(() => undefined);
        callback(error);
      },
    );
  }

  /** Stops pulling, lets in-flight handlers finish up to `shutdownTimeoutMs` (nak the rest). Idempotent. */
  close(): Promise<void> {
    if (!this.closing) {
      this.closing = Promise.all(this.runners.map((r) => r.stop(this.options.shutdownTimeoutMs))).then(() => {
        if (this.runners.length > 0) this.logger.log('all consumers stopped');
      });
    }
    return this.closing;
  }

  /** Runs before Nest disposes microservices and before the connection drains (`onApplicationShutdown`). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.close();
  }

  /** Subscribes to connection status changes (`'status'`). */
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- the signature of Nest's Server.on, which this overrides
  on<EventKey extends string = string, EventCallback extends Function = Function>(event: EventKey, callback: EventCallback): void {
    if (event === 'status')
      this.connectionManager.status$.subscribe((status: ConnectionStatus) => (callback as unknown as (s: ConnectionStatus) => void)(status));
  }

  unwrap<T>(): T {
    return this.connectionManager.connection as T;
  }

  /** Runtime figures per consumer (health, tests). */
  consumerStats(): ConsumerRuntimeStats[] {
    return this.runners.map((r) => r.runtimeStats());
  }

  /** @internal For health: the bound (stream, durable) pairs. */
  boundConsumers(): { stream?: string; durable: string; subject: string; running: boolean }[] {
    return this.runners.map((r) => {
      const stats = r.runtimeStats();
      return { stream: stats.stream, durable: r.durable, subject: r.subject, running: stats.running };
    });
  }

  get connection(): NatsConnection {
    return this.connectionManager.connection;
  }

  private async start(): Promise<void> {
    for (const [pattern, handler] of this.messageHandlers) {
      if (pattern.startsWith('{')) {
        this.logger.warn(`ignoring non-string pattern ${pattern}: JetStream handlers take a subject`);
        continue;
      }
      if (!handler.isEventHandler) {
        this.logger.warn(`@MessagePattern("${pattern}") is consumed like an event (no reply is sent); prefer @EventPattern`);
      }
      const runner = new ConsumerRunner(
        pattern,
        durableName(this.options.serviceName, pattern),
        handler,
        this.options,
        this.connectionManager,
        this.provisioner,
        this.instrumentation,
      );
      this.runners.push(runner);
    }
    const bindAll = async () => {
      await this.connectionManager.ready();
      await this.provisioner.whenProvisioned();
      await Promise.all(this.runners.map((r) => r.start()));
      this.logger.log(`consuming ${this.runners.map((r) => r.subject).join(', ') || 'nothing'} as ${this.options.serviceName}`);
    };
    if (this.options.connection.waitForFirstConnect === false) {
      // Start-up does not wait for NATS: bind when it answers (health shows the consumers as not running meanwhile).
      bindAll().catch((error: unknown) => this.logger.error(`consumers not started: ${describe(error)}`));
      return;
    }
    await bindAll();
  }
}
