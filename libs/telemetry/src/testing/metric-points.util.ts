import type { Attributes } from '@opentelemetry/api';
import type { DataPoint, ResourceMetrics } from '@opentelemetry/sdk-metrics';

/** The data points of one metric (empty when it was never recorded). */
export function metricPoints(resourceMetrics: ResourceMetrics, name: string): DataPoint<unknown>[] {
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name === name) return metric.dataPoints;
    }
  }
  return [];
}

/** The data point whose attributes include all of `match`. */
export function metricPoint(resourceMetrics: ResourceMetrics, name: string, match: Attributes): DataPoint<unknown> | undefined {
  return metricPoints(resourceMetrics, name).find((point) => Object.entries(match).every(([key, value]) => point.attributes[key] === value));
}
