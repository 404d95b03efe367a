// `@app/telemetry/testing`: helpers for tests of code that emits spans and metrics. Not for production code.
export { createInMemoryTelemetry, type InMemoryTelemetry } from './in-memory-telemetry.harness';
export { metricPoint, metricPoints } from './metric-points.util';
