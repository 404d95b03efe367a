/**
 * @app/messaging: durable JetStream messaging for NestJS (issue 10).
 * - `MessagingModule.forRoot(...)`/`forRootAsync(...)` (global): connection, provisioning of owned streams + DLQ,
 *   publisher, health.
 * - `JetStreamServer`: `app.connectMicroservice({ strategy: app.get(JetStreamServer) }, { inheritAppConfig: true })`;
 *   handlers are `@EventPattern<string>(subject)` methods with `@Payload()` (decoded event) and `@Ctx()` (`JetStreamContext`).
 * - Settlement: ack after success; nak with backoff on failure; `PermanentError`/undecodable/last delivery -> DLQ + term.
 * - `DeadLetterStore`: list, read, replay and purge dead letters (behind `npm run dlq`).
 */
export { MessagingModule } from './messaging.module';
export type {
  ConsumerSettings,
  DecodeFailureKind,
  DecodeResult,
  MessageCodec,
  MessagingModuleAsyncOptions,
  MessagingModuleOptions,
  NatsConnectionOptions,
  StreamSpec,
} from './messaging.options';
export { DLQ_STREAM_NAME, MESSAGING_INSTRUMENTATION } from './messaging.constants';
export type { DeadLetterInfo, MessagingInstrumentation, PublishInfo, SettledInfo } from './messaging.instrumentation';
export { DLQ_STREAM_SPEC, JetStreamProvisioner, type ProvisioningStatus } from './jetstream.provisioner';
export { JetStreamServer } from './jetstream.server';
export { JetStreamContext } from './jetstream.context';
export { JetStreamExceptionFilter } from './jetstream-exception.filter';
export { EventPublisher, type PublishRawOptions, type PublishResult } from './event.publisher';
export { type ConsumerHealth, MessagingHealth } from './messaging.health';
/** Small helpers other libraries reuse instead of keeping copies (STYLE.md: a helper exists once). */
export { describe, describeFailure, sleep, withTimeout } from './messaging.utils';
export {
  ConnectionClosedError,
  isPermanentError,
  NoStreamError,
  PermanentError,
  PublishTimeoutError,
  StreamConfigConflictError,
  StreamReplicasError,
  StreamUnavailableError,
} from './errors/messaging.errors';
export { isJetStreamDisabled, JetStreamDisabledError } from './errors/messaging.errors';
export { type DeadLetter, DeadLetterStore, DlqError, type ReplayResult } from './dlq/dead-letters';
