// Public API of @app/telemetry (the Nest side). The bootstrap is the separate entry `@app/telemetry/sdk`.
export { TelemetryModule } from './telemetry.module';
export { MessagingTracingInterceptor } from './messaging-tracing.interceptor';
export { TracingMessagingInstrumentation } from './tracing-messaging.instrumentation';
export { MessagingMetrics } from './messaging.metrics';
export {
  BacklogMetrics,
  type BacklogMetricsOptions,
  type BacklogSources,
  type ConsumerLag,
  type DeadLetterDepth,
  type OutboxLag,
} from './backlog.metrics';
export { natsHeadersGetter, natsHeadersSetter } from './nats-headers.propagation';
export { restoreContext, serializeContext } from './trace-context.carrier';
export { traceLogMixin, type TraceLogFields } from './trace-log.mixin';
export { renderPrometheusMetrics, type TelemetryHandle } from './telemetry.registry';
export {
  BacklogMetricNames,
  MESSAGING_DURATION_BUCKETS_SECONDS,
  MESSAGING_SYSTEM_NATS,
  MessagingAttributes,
  MessagingMetricNames,
  PROMETHEUS_CONTENT_TYPE,
} from './telemetry.constants';
