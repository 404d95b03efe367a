import { type Meter, metrics } from '@opentelemetry/api';

import { INSTRUMENTATION_SCOPE } from './telemetry.constants';

/** OpenTelemetry process metric names (semantic conventions, development status: copied so they cannot drift). */
export const ProcessMetricNames = {
  /** CPU seconds, per `cpu.mode` (user, system). Prometheus: `process_cpu_time_total`. */
  CPU_TIME: 'process.cpu.time',
  /** Resident set size in bytes. Prometheus: `process_memory_usage`. */
  MEMORY_USAGE: 'process.memory.usage',
} as const;

/**
 * CPU time and resident memory of this process, read when a reader collects (no timer of its own), so operators
 * and `npm run load` can see each service's share of the machine.
 */
export function registerProcessMetrics(meter: Meter = metrics.getMeter(INSTRUMENTATION_SCOPE)): void {
  const user = { 'cpu.mode': 'user' };
  const system = { 'cpu.mode': 'system' };
  meter.createObservableCounter(ProcessMetricNames.CPU_TIME, { description: 'CPU time used by the process.', unit: 's' }).addCallback((result) => {
    const usage = process.cpuUsage();
    result.observe(usage.user / 1e6, user);
    result.observe(usage.system / 1e6, system);
  });
  meter
    .createObservableUpDownCounter(ProcessMetricNames.MEMORY_USAGE, { description: 'Resident memory of the process.', unit: 'By' })
    .addCallback((result) => result.observe(process.memoryUsage.rss()));
}
