import { Global, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';

import { MESSAGING_INSTRUMENTATION } from './messaging.contract';
import { MessagingMetrics } from './messaging.metrics';
import { MessagingTracingInterceptor } from './messaging-tracing.interceptor';
import { MetricsController } from './metrics.controller';
import { currentTelemetry } from './telemetry.registry';
import { TracingMessagingInstrumentation } from './tracing-messaging.instrumentation';

/**
 * The Nest side of telemetry. Import once in each app's root module (after `startTelemetry` ran in
 * `instrumentation.ts`; without it everything here is a harmless no-op):
 * - provides `MESSAGING_INSTRUMENTATION` (send spans, trace headers, publish metrics) to `@app/messaging`; global so
 *   `MessagingModule` finds it without importing this module;
 * - registers `MessagingTracingInterceptor` (process spans, HTTP route names) as the one global interceptor; it
 *   reaches message handlers because apps connect the JetStream server with `{ inheritAppConfig: true }`;
 * - serves `GET /metrics`;
 * - flushes the SDK when the app closes. Global modules run their shutdown hooks last, so spans ended while other
 *   modules drain are still exported.
 */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [
    MessagingMetrics,
    { provide: MESSAGING_INSTRUMENTATION, useClass: TracingMessagingInstrumentation },
    MessagingTracingInterceptor,
    { provide: APP_INTERCEPTOR, useClass: MessagingTracingInterceptor },
  ],
  exports: [MESSAGING_INSTRUMENTATION, MessagingTracingInterceptor],
})
export class TelemetryModule implements OnApplicationShutdown {
  async onApplicationShutdown(): Promise<void> {
    await currentTelemetry()?.shutdown();
  }
}
