import { type DynamicModule, Module } from '@nestjs/common';

import { EventPublisher } from './event.publisher';
import { JetStreamProvisioner } from './jetstream.provisioner';
import { JetStreamServer } from './jetstream.server';
import { MESSAGING_OPTIONS } from './messaging.constants';
import { MessagingHealth } from './messaging.health';
import type { MessagingModuleAsyncOptions, MessagingModuleOptions } from './messaging.options';
import { createMessagingProviders } from './messaging.providers';
import { NatsConnectionManager } from './nats-connection.manager';

/**
 * Global module: one NATS connection, owned streams provisioned at start-up, the `JetStreamServer` transport,
 * `EventPublisher` and `MessagingHealth`. Attach the transport with
 * `app.connectMicroservice({ strategy: app.get(JetStreamServer) }, { inheritAppConfig: true })`.
 */
@Module({})
export class MessagingModule {
  /** Static options (tests, scripts); apps usually want `forRootAsync` with their validated config. */
  static forRoot(options: MessagingModuleOptions): DynamicModule {
    return MessagingModule.forRootAsync({ useFactory: () => options });
  }

  static forRootAsync(options: MessagingModuleAsyncOptions): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      imports: options.imports ?? [],
      providers: createMessagingProviders(options),
      exports: [MESSAGING_OPTIONS, NatsConnectionManager, JetStreamProvisioner, JetStreamServer, EventPublisher, MessagingHealth],
    };
  }
}
