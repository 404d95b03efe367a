import type { Provider } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';

import { EventPublisher } from './event.publisher';
import { JetStreamProvisioner } from './jetstream.provisioner';
import { JetStreamServer } from './jetstream.server';
import { JetStreamExceptionFilter } from './jetstream-exception.filter';
import { MESSAGING_OPTIONS } from './messaging.constants';
import { MessagingHealth } from './messaging.health';
import { type MessagingModuleAsyncOptions, type ResolvedMessagingOptions, resolveMessagingOptions } from './messaging.options';
import { NatsConnectionManager } from './nats-connection.manager';

export function createMessagingProviders(options: MessagingModuleAsyncOptions): Provider[] {
  return [
    {
      provide: MESSAGING_OPTIONS,
      inject: options.inject ?? [],
      useFactory: async (...args: unknown[]) => resolveMessagingOptions(await options.useFactory(...(args as never[]))),
    },
    {
      // Connected before anything that needs it is built; waits for the first server (retrying forever).
      provide: NatsConnectionManager,
      inject: [MESSAGING_OPTIONS],
      useFactory: async (resolved: ResolvedMessagingOptions) => {
        const manager = new NatsConnectionManager({ name: resolved.serviceName, ...resolved.connection });
        if (resolved.connection.waitForFirstConnect === false) {
          // Reconnect logic retries forever; failures are already logged by the manager.
          manager.connect().catch(() => undefined);
        } else {
          await manager.connect();
        }
        return manager;
      },
    },
    {
      // Owned streams (and DLQ) exist before any publisher or consumer runs; a conflict fails start-up loudly.
      provide: JetStreamProvisioner,
      inject: [MESSAGING_OPTIONS, NatsConnectionManager],
      useFactory: async (resolved: ResolvedMessagingOptions, connection: NatsConnectionManager) => {
        const provisioner = new JetStreamProvisioner(connection, resolved.streamReplicas);
        if (resolved.connection.waitForFirstConnect === false) {
          provisioner.provisionInBackground(resolved.streams, resolved.dlq);
          return provisioner;
        }
        try {
          await provisioner.ensureStreams(resolved.streams, resolved.dlq);
        } catch (error) {
          // Start-up is failing: do not leave the connection (and the process) hanging.
          await connection.drain();
          throw error;
        }
        return provisioner;
      },
    },
    JetStreamServer,
    EventPublisher,
    MessagingHealth,
    // Hands handlers' original exceptions to the transport (reaches it through `inheritAppConfig: true`).
    { provide: APP_FILTER, useClass: JetStreamExceptionFilter },
  ];
}
