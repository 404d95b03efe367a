/**
 * @app/messaging: durable JetStream messaging for NestJS (issue 10).
 * - `MessagingModule.forRootAsync(...)` (global): connection, provisioning of owned streams + DLQ, publisher, health.
 * - `JetStreamServer`: `app.connectMicroservice({ strategy: app.get(JetStreamServer) }, { inheritAppConfig: true })`;
 *   handlers are `@EventPattern<string>(subject)` methods with `@Payload()` (decoded event) and `@Ctx()` (`JetStreamContext`).
 * - Settlement: ack after success; nak with backoff on failure; `PermanentError`/undecodable/last delivery -> DLQ + term.
 */
export { MessagingModule } from './messaging.module';
export {
  type ConsumerSettings,
  type DecodeFailureKind,
  type DecodeResult,
  dlqSubject,
  durableName,
  inboxPrefixFor,
  type MessageCodec,
  type MessagingModuleAsyncOptions,
  type MessagingModuleOptions,
  type NatsConnectionOptions,
  type ResolvedMessagingOptions,
  type StreamSpec,
} from './messaging.options';
export { DLQ_STREAM_NAME, DlqHeaders, JETSTREAM_TRANSPORT, MESSAGING_INSTRUMENTATION, MESSAGING_OPTIONS } from './messaging.constants';
export type { DeadLetterInfo, MessagingInstrumentation, PublishInfo, SettledInfo } from './messaging.instrumentation';
export { type ConnectionState, type ConnectionStatus, NatsConnectionManager } from './nats-connection.manager';
export { DLQ_STREAM_SPEC, JetStreamProvisioner, type ProvisioningStatus } from './jetstream.provisioner';
export { JetStreamServer } from './jetstream.server';
export { JetStreamContext } from './jetstream.context';
export { JetStreamExceptionFilter } from './jetstream-exception.filter';
export type { ConsumerRuntimeStats } from './consumer/consumer-runner';
export { EventPublisher, type PublishRawOptions, type PublishResult } from './event.publisher';
export { type ConsumerHealth, MessagingHealth } from './messaging.health';
export { type DeadLetter, DeadLetterStore, DlqError, DlqReplayHeaders, type ReplayResult } from './dlq/dead-letters';
export {
  ConnectionClosedError,
  isPermanentError,
  NoStreamError,
  PermanentError,
  PublishTimeoutError,
  StreamConfigConflictError,
} from './errors/messaging.errors';
export { isJetStreamDisabled, JetStreamDisabledError } from './errors/messaging.errors';
