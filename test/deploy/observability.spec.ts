/**
 * Static checks of the monitoring files (issue 19): docker/prometheus (scrape configuration, alert rules), the
 * Grafana provisioning and dashboard, and the compose services that run them. There is no Docker engine here, so the
 * files are parsed and compared with the code: every metric a rule or panel queries must be one the services export.
 * promtool.spec.ts runs the Prometheus tool on the same files where it is installed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

import { SERVICES } from '../support/stack';
import { composeEnvironment, type Doc, DOCKER_DIR, readYaml } from './manifests';
import { EXPORTED_FAMILIES, EXPORTED_SERIES, familyOf, metricNames } from './observability';

const compose = readYaml(join(DOCKER_DIR, 'compose.yaml'));
const services = compose.services as Record<string, Doc>;
const prometheus = readYaml(join(DOCKER_DIR, 'prometheus', 'prometheus.yaml'));
const rules = (readYaml(join(DOCKER_DIR, 'prometheus', 'alerts.yaml')).groups as Doc[]).flatMap((group) => group.rules as Doc[]);
const dashboard = JSON.parse(readFileSync(join(DOCKER_DIR, 'grafana', 'dashboards', 'saga.json'), 'utf8')) as Doc;
const panels = (dashboard.panels as Doc[]).filter((panel) => panel.type !== 'row');
const targets = panels.flatMap((panel) => (panel.targets as Doc[]).map((target) => ({ panel: panel.title as string, expr: target.expr as string })));

/** A compose bind mount `./x:/y[:ro]` as host path (relative to docker/) and container path. */
function mounts(service: Doc): { source: string; target: string }[] {
  return ((service.volumes ?? []) as (string | Doc)[]).flatMap((entry) => {
    if (typeof entry !== 'string' || !entry.startsWith('./')) return [];
    const [source, target] = entry.split(':');
    return [{ source: posix.normalize(source), target }];
  });
}

/** The host file a container path of `service` comes from, through its bind mounts. */
function hostPath(service: Doc, containerPath: string): string | undefined {
  for (const { source, target } of mounts(service)) {
    if (containerPath === target) return join(DOCKER_DIR, source);
    if (containerPath.startsWith(`${target}/`)) return join(DOCKER_DIR, source, containerPath.slice(target.length + 1));
  }
  return undefined;
}

describe('metric names in the alert rules and the dashboard', () => {
  it('reads metric names out of PromQL (the reader the checks below rely on)', () => {
    expect(
      metricNames('histogram_quantile(0.95, sum by (le, job) (rate(a_bucket{job=~"$service", x="b c"}[$__rate_interval]))) > on (job) b_total'),
    ).toEqual(['a_bucket', 'b_total']);
    expect(metricNames('max by (job) (up{job="x"}) == 0 unless c != c')).toEqual(['up', 'c']);
  });

  it('derives the exported series from the code constants', () => {
    expect(EXPORTED_SERIES).toContain('messaging_client_consumed_messages_total');
    expect(EXPORTED_SERIES).toContain('messaging_process_duration_bucket');
    expect(EXPORTED_SERIES).toContain('messaging_consumer_pending');
    expect(EXPORTED_SERIES).toContain('outbox_oldest_unsent_age_seconds');
    expect(EXPORTED_SERIES).toContain('resilience_circuit_breaker_state');
  });

  it.each([
    ['alerts.yaml', rules.map((rule) => ({ where: rule.alert as string, expr: rule.expr as string }))],
    ['saga.json', targets.map((target) => ({ where: target.panel, expr: target.expr }))],
  ])('%s queries only series the services export', (_, queries) => {
    expect(queries.length).toBeGreaterThan(5);
    for (const { where, expr } of queries) {
      const names = metricNames(expr);
      expect({ where, names: names.length > 0 }).toEqual({ where, names: true });
      expect({ where, unknown: names.filter((name) => !EXPORTED_SERIES.has(name)) }).toEqual({ where, unknown: [] });
    }
  });

  it('alerts on lag, held messages, the outbox, dead letters, the breakers and a service being down', () => {
    const alerted = new Set(rules.flatMap((rule) => metricNames(rule.expr as string).map(familyOf)));
    for (const family of [
      'messaging_consumer_pending',
      'messaging_consumer_ack_pending',
      'outbox_backlog_rows',
      'outbox_oldest_unsent_age_seconds',
      'messaging_dlq_depth',
      'resilience_circuit_breaker_state',
      'up',
    ]) {
      expect({ family, alerted: alerted.has(family) }).toEqual({ family, alerted: true });
    }
  });

  it('charts throughput, latency, lag, backlog, dead letters and breaker states', () => {
    const charted = new Set(targets.flatMap((target) => metricNames(target.expr).map(familyOf)));
    const gaugesAndCounters = [...EXPORTED_FAMILIES.keys()].filter((family) => family !== 'resilience_circuit_breaker_transitions_total');
    expect(gaugesAndCounters.filter((family) => !charted.has(family))).toEqual([]);
    expect(targets.some((target) => /histogram_quantile\(0\.99, .*messaging_process_duration_bucket/.test(target.expr))).toBe(true);
  });
});

describe('docker/prometheus/alerts.yaml', () => {
  it('gives every rule a unique name, a severity and a summary', () => {
    const names = rules.map((rule) => rule.alert as string);
    expect(new Set(names).size).toBe(names.length);
    for (const rule of rules) {
      expect({ alert: rule.alert, severity: rule.labels?.severity }).toEqual({
        alert: rule.alert,
        severity: expect.stringMatching(/^(warning|critical)$/),
      });
      expect(rule.annotations?.summary).toEqual(expect.any(String));
    }
  });
});

describe('docker/prometheus/prometheus.yaml', () => {
  it('loads the alert rules beside it', () => {
    expect(prometheus.rule_files).toEqual(['alerts.yaml']);
  });

  it.each(SERVICES.map((s) => [s.name]))('scrapes GET /metrics of %s at its compose name and port, as its own job', (name) => {
    const job = (prometheus.scrape_configs as Doc[]).find((config) => config.job_name === name);
    const port = composeEnvironment(services[name].environment).PORT;
    expect(job?.metrics_path ?? '/metrics').toBe('/metrics');
    expect(job?.static_configs).toEqual([{ targets: [`${name}:${port}`] }]);
  });
});

describe('docker/compose.yaml runs Prometheus and Grafana', () => {
  const images = ['prometheus', 'grafana'].map((name) => [name, String(services[name]?.image)]);

  it.each(images)('%s runs a pinned image (%s)', (_, image) => {
    expect(image).toMatch(/^(prom\/prometheus:v3|grafana\/grafana:1[2-9])\.\d+\.\d+$/);
  });

  it('Prometheus reads the repository configuration and rules', () => {
    const command = services.prometheus.command as string[];
    const configFile = command.find((arg) => arg.startsWith('--config.file='))!.split('=')[1];
    const host = hostPath(services.prometheus, configFile);
    expect(host).toBe(join(DOCKER_DIR, 'prometheus', 'prometheus.yaml'));
    // rule_files are relative to the configuration file, inside the container as here.
    const rulesFile = hostPath(services.prometheus, posix.join(posix.dirname(configFile), (prometheus.rule_files as string[])[0]));
    expect(rulesFile).toBe(join(DOCKER_DIR, 'prometheus', 'alerts.yaml'));
    expect(existsSync(rulesFile!)).toBe(true);
    expect(command).toContain('--storage.tsdb.path=/prometheus');
    expect(services.prometheus.volumes).toContain('prometheus-data:/prometheus');
  });

  it('Grafana provisions the Prometheus data source the dashboard uses, and the dashboard folder', () => {
    const grafana = services.grafana;
    const provisioning = hostPath(grafana, '/etc/grafana/provisioning/datasources/prometheus.yaml');
    expect(provisioning && existsSync(provisioning)).toBe(true);
    const [datasource] = readYaml(provisioning!).datasources as Doc[];
    const url = new URL(datasource.url as string);
    expect(services[url.hostname]?.image).toMatch(/^prom\/prometheus:/);
    expect(url.port).toBe('9090');
    const uids = new Set([...JSON.stringify(dashboard).matchAll(/"uid":\s*"([^"]+)"/g)].map((m) => m[1]).filter((uid) => uid !== dashboard.uid));
    expect(uids).toEqual(new Set([datasource.uid]));

    const providerFile = hostPath(grafana, '/etc/grafana/provisioning/dashboards/saga.yaml');
    const [provider] = readYaml(providerFile!).providers as Doc[];
    expect(hostPath(grafana, `${provider.options.path as string}/saga.json`)).toBe(join(DOCKER_DIR, 'grafana', 'dashboards', 'saga.json'));
    expect(composeEnvironment(grafana.environment).GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH).toBe(`${provider.options.path as string}/saga.json`);
  });

  it('publishes their UIs on localhost ports no other service takes', () => {
    const published = Object.values(services).flatMap((service) =>
      ((service.ports ?? []) as string[]).map(
        (entry) =>
          String(entry)
            .replace(/\$\{[A-Z_]+:-(\d+)\}/, '$1')
            .split(':')
            .slice(-2)[0],
      ),
    );
    expect(new Set(published).size).toBe(published.length);
    for (const name of ['prometheus', 'grafana']) expect(services[name].ports[0]).toMatch(/^127\.0\.0\.1:/);
  });
});

describe('docker/grafana/dashboards/saga.json', () => {
  it('is a provisioned dashboard with a service filter applied to every query', () => {
    expect(dashboard).toMatchObject({ uid: 'order-saga', editable: false, templating: { list: [{ name: 'service', includeAll: true }] } });
    for (const { panel, expr } of targets) expect({ panel, filtered: expr.includes('"$service"') }).toEqual({ panel, filtered: true });
  });

  it('lays the panels out without overlaps on the 24-column grid', () => {
    const cells = new Set<string>();
    for (const panel of dashboard.panels as Doc[]) {
      const { x, y, w, h } = panel.gridPos as { x: number; y: number; w: number; h: number };
      expect(x + w).toBeLessThanOrEqual(24);
      for (let row = y; row < y + h; row++) {
        for (let col = x; col < x + w; col++) {
          expect(cells.has(`${row}:${col}`)).toBe(false);
          cells.add(`${row}:${col}`);
        }
      }
    }
  });
});
