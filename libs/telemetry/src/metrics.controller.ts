import { Controller, Get, Header } from '@nestjs/common';

import { PROMETHEUS_CONTENT_TYPE } from './telemetry.constants';
import { renderPrometheusMetrics } from './telemetry.registry';

/**
 * `GET /metrics`: Prometheus text exposition of everything the SDK's meter provider holds (messaging series,
 * HTTP server duration, Node runtime), on the app's own HTTP port so one scrape target serves each pod.
 */
@Controller('metrics')
export class MetricsController {
  @Get()
  @Header('Content-Type', PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  scrape(): Promise<string> {
    return renderPrometheusMetrics();
  }
}
