import { resolveTelemetryConfig } from './telemetry.config';

const resolve = (env: Record<string, string | undefined>, serviceVersion?: string) =>
  resolveTelemetryConfig({ serviceName: 'order-service', serviceVersion }, env);

describe('resolveTelemetryConfig', () => {
  it('exports nothing when no OTLP endpoint is configured, but keeps creating spans', () => {
    const config = resolve({});
    expect(config).toMatchObject({
      disabled: false,
      tracesDropped: true,
      metricExporters: [],
      logsExported: false,
      serviceName: 'order-service',
      deploymentEnvironment: 'development',
    });
  });

  it('gives database queries spans only when traces are exported, or when OTEL_NODE_ENABLED_INSTRUMENTATIONS names pg', () => {
    expect(resolve({}).databaseSpans).toBe(false);
    expect(resolve({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).databaseSpans).toBe(true);
    expect(resolve({ OTEL_TRACES_EXPORTER: 'console' }).databaseSpans).toBe(true);
    expect(resolve({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http, pg ,pino' }).databaseSpans).toBe(true);
    expect(resolve({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,pino' }).databaseSpans).toBe(false);
  });

  it('turns OTLP export of traces and metrics on when only the endpoint is set', () => {
    const config = resolve({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' });
    expect(config.tracesDropped).toBe(false);
    expect(config.metricExporters).toEqual(['otlp']);
    expect(config.metricsProtocol).toBe('http/protobuf');
    expect(config.logsExported).toBe(false);
  });

  it('honours explicit exporter choices over the endpoint default', () => {
    const config = resolve({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_METRICS_EXPORTER: 'none',
    });
    expect(config.tracesDropped).toBe(false);
    expect(config.metricExporters).toEqual([]);
    expect(resolve({ OTEL_TRACES_EXPORTER: 'console' }).tracesDropped).toBe(false);
    expect(resolve({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }).tracesDropped).toBe(true);
  });

  it('accepts prometheus in OTEL_METRICS_EXPORTER without a second exporter, and warns about unknown ones', () => {
    const config = resolve({ OTEL_METRICS_EXPORTER: 'prometheus,console,statsd' });
    expect(config.metricExporters).toEqual(['console']);
    expect(config.warnings).toEqual(['OTEL_METRICS_EXPORTER: unknown exporter "statsd" ignored']);
  });

  it('reads the OTLP protocol, per signal first, and falls back to http/protobuf with a warning', () => {
    expect(resolve({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }).metricsProtocol).toBe('grpc');
    expect(resolve({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json' }).metricsProtocol).toBe('http/json');
    const config = resolve({ OTEL_EXPORTER_OTLP_PROTOCOL: 'thrift' });
    expect(config.metricsProtocol).toBe('http/protobuf');
    expect(config.warnings[0]).toMatch(/OTEL_EXPORTER_OTLP_PROTOCOL=thrift/);
  });

  it('reads the metric export interval and keeps the timeout within it', () => {
    const config = resolve({ OTEL_METRIC_EXPORT_INTERVAL: '5000' });
    expect(config.metricExportIntervalMs).toBe(5000);
    expect(config.metricExportTimeoutMs).toBe(5000);
    expect(resolve({}).metricExportIntervalMs).toBe(60000);
    expect(resolve({ OTEL_METRIC_EXPORT_INTERVAL: '-1' }).warnings).toHaveLength(1);
  });

  it('is disabled by OTEL_SDK_DISABLED=true in any case', () => {
    expect(resolve({ OTEL_SDK_DISABLED: 'TRUE' }).disabled).toBe(true);
    expect(resolve({ OTEL_SDK_DISABLED: 'false' }).disabled).toBe(false);
  });

  it('lets OTEL_SERVICE_NAME override the app name and takes the version from the option or npm', () => {
    expect(resolve({ OTEL_SERVICE_NAME: 'orders-eu' }).serviceName).toBe('orders-eu');
    expect(resolve({ npm_package_version: '0.1.0' }).serviceVersion).toBe('0.1.0');
    expect(resolve({ npm_package_version: '0.1.0' }, '2.0.0').serviceVersion).toBe('2.0.0');
    expect(resolve({}).serviceVersion).toBeUndefined();
  });

  it('names the deployment environment from DEPLOYMENT_ENVIRONMENT, then NODE_ENV', () => {
    expect(resolve({ NODE_ENV: 'production' }).deploymentEnvironment).toBe('production');
    expect(resolve({ NODE_ENV: 'production', DEPLOYMENT_ENVIRONMENT: 'staging' }).deploymentEnvironment).toBe('staging');
  });

  it('exports logs over OTLP only when OTEL_LOGS_EXPORTER asks for it', () => {
    expect(resolve({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).logsExported).toBe(false);
    expect(resolve({ OTEL_LOGS_EXPORTER: 'otlp' }).logsExported).toBe(true);
    expect(resolve({ OTEL_LOGS_EXPORTER: 'none' }).logsExported).toBe(false);
  });
});
