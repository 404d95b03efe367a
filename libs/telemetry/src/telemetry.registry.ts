import { diag } from '@opentelemetry/api';
import { type PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';

/** What `startTelemetry` returns. */
export interface TelemetryHandle {
  /** False when `OTEL_SDK_DISABLED=true`: nothing was registered and every API call is a no-op. */
  readonly enabled: boolean;
  /** Flushes pending spans and metrics and stops the SDK. Idempotent; never rejects. */
  shutdown(): Promise<void>;
}

interface TelemetryState {
  handle?: TelemetryHandle;
  prometheus?: PrometheusExporter;
}

/**
 * Process-wide state shared by the bootstrap (`@app/telemetry/sdk`, loaded before Nest) and the Nest side
 * (`/metrics`, shutdown hook). Kept on `globalThis` rather than in module scope because an app may load the
 * bootstrap as a separately built file (`node --require dist/.../instrumentation.js`), giving it its own copy
 * of this module.
 */
const STATE_KEY = Symbol.for('app.telemetry.state');

function state(): TelemetryState {
  const holder = globalThis as typeof globalThis & { [STATE_KEY]?: TelemetryState };
  holder[STATE_KEY] ??= {};
  return holder[STATE_KEY];
}

/** Called by `startTelemetry` once the SDK is running. */
export function registerTelemetry(handle: TelemetryHandle, prometheus: PrometheusExporter | undefined): void {
  state().handle = handle;
  state().prometheus = prometheus;
}

/** The handle of the running SDK, if `startTelemetry` ran in this process. */
export function currentTelemetry(): TelemetryHandle | undefined {
  return state().handle;
}

/** Uses a reader as the source of `GET /metrics` (tests and custom setups; `startTelemetry` does this itself). */
export function usePrometheusReader(reader: PrometheusExporter | undefined): void {
  state().prometheus = reader;
}

const serializer = new PrometheusSerializer();

/**
 * Current metrics in Prometheus text exposition format 0.0.4. Empty (a valid exposition with no families) when no
 * Prometheus reader is registered, e.g. with `OTEL_SDK_DISABLED=true`. A failed collection rejects, so the scrape
 * fails visibly (`up == 0`) instead of reporting nothing.
 */
export async function renderPrometheusMetrics(): Promise<string> {
  const reader = state().prometheus;
  if (!reader) return '';
  const { resourceMetrics, errors } = await reader.collect();
  // Partial results are still worth serving; the errors name the failing instrument callbacks.
  if (errors.length > 0) diag.error('telemetry: errors while collecting metrics', ...errors);
  return serializer.serialize(resourceMetrics);
}
