// `@app/runtime/platform`: the composition of every lib into one module. A separate entry from `@app/runtime`
// because @app/health imports @app/runtime; the platform imports both.
export {
  connectEventTransport,
  EventPlatformModule,
  type EventPlatformOptions,
  messagingOptionsFromEnv,
  NATS_PUBLISH_DEPENDENCY,
} from './event-platform.module';
