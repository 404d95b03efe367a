import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

import { cpuShareLines, neighbourPorts } from '../../../tools/load-services';
import { registerProcessMetrics } from './process.metrics';

describe('process metrics', () => {
  it('serves CPU time per mode and resident memory under the Prometheus names npm run load reads', async () => {
    const exporter = new PrometheusExporter({ preventServerStart: true });
    const provider = new MeterProvider({ readers: [exporter] });
    registerProcessMetrics(provider.getMeter('test'));
    let busy = 0;
    for (let i = 0; i < 2e6; i++) busy += i % 7;
    expect(busy).toBeGreaterThan(0);

    const { resourceMetrics } = await exporter.collect();
    const text = new PrometheusSerializer().serialize(resourceMetrics);
    const user = Number(/^process_cpu_time_total\{cpu_mode="user"[^}]*\} ([0-9.e+-]+)/m.exec(text)?.[1]);
    const system = Number(/^process_cpu_time_total\{cpu_mode="system"[^}]*\} ([0-9.e+-]+)/m.exec(text)?.[1]);
    const rss = Number(/^process_memory_usage(?:\{[^}]*\})? ([0-9.e+-]+)/m.exec(text)?.[1]);

    expect(user).toBeGreaterThan(0);
    expect(user).toBeLessThanOrEqual(process.cpuUsage().user / 1e6);
    expect(system).toBeGreaterThanOrEqual(0);
    expect(rss).toBeGreaterThan(10 * 1024 * 1024);
    await provider.shutdown();
  });

  it("reports each service's cores and CPU per order in the load summary, n/a where /metrics had no figure", () => {
    expect(neighbourPorts('http://127.0.0.1:3000')).toEqual([
      'http://127.0.0.1:3000',
      'http://127.0.0.1:3001',
      'http://127.0.0.1:3002',
      'http://127.0.0.1:3003',
    ]);
    const lines = cpuShareLines([1, 2, undefined, 0], [11, 4, 5, 0.5], 20, 500);
    expect(lines[0]).toMatch(/order-service\s+0\.50 cores\s+20\.0 ms CPU per accepted order/);
    expect(lines[1]).toMatch(/inventory-service\s+0\.10 cores\s+4\.0 ms/);
    expect(lines[2]).toMatch(/payment-service\s+n\/a/);
  });
});
