/**
 * Static checks of the deployment files (issue 7): no Docker engine or cluster runs here, so the Dockerfile, the
 * compose file and the Kubernetes manifests are parsed and compared with what they deploy: the build layout from
 * nest-cli.json, each app's env schema (validated with the same `validateEnv` the apps run at boot), the health
 * endpoints, the default ports and the shutdown timings.
 */
import { existsSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, posix, resolve } from 'node:path';

import { type CommonEnv, validateEnv } from '@app/runtime';

import { InventoryServiceEnv } from '../../apps/inventory-service/src/config/inventory.env';
import { NotificationServiceEnv } from '../../apps/notification-service/src/config/notification.env';
import { OrderServiceEnv } from '../../apps/order-service/src/config/order.env';
import { PaymentServiceEnv } from '../../apps/payment-service/src/config/payment.env';
import { buildIfNeeded } from '../support/stack';
import {
  bundlePathFor,
  composeEnvironment,
  declaredVariables,
  type Doc,
  DOCKER_DIR,
  type Dockerfile,
  durationSeconds,
  effectiveInstructions,
  execForm,
  K8S_DIR,
  OTEL_STANDARD_VARIABLES,
  parseAssignments,
  parseCopy,
  parseDockerfile,
  quantity,
  readText,
  readYaml,
  readYamlDocuments,
  REPO_ROOT,
  repoFileExists,
  type Stage,
  substitute,
  workdirOf,
} from './manifests';

interface App {
  name: string;
  schema: new () => CommonEnv;
  /** The PORT default of the app's env schema. */
  port: number;
  /** Variables the app reads: its env schema plus the standard OpenTelemetry ones. */
  allows(variable: string): boolean;
}

const APPS: App[] = (
  [
    ['order-service', OrderServiceEnv],
    ['inventory-service', InventoryServiceEnv],
    ['payment-service', PaymentServiceEnv],
    ['notification-service', NotificationServiceEnv],
  ] as const
).map(([name, schema]) => {
  const declared = declaredVariables(schema);
  return { name, schema, port: new schema().PORT, allows: (variable) => declared.has(variable) || OTEL_STANDARD_VARIABLES.has(variable) };
});

/** Image-level variables the Dockerfile may set besides the apps' own: APP selects the bundle, NODE_ENV is Node's. */
const IMAGE_VARIABLES = new Set(['APP', 'NODE_ENV']);

const HEALTH_LIVE = '/health/live';
const HEALTH_READY = '/health/ready';

/** Seconds the app may take to stop after SIGTERM, from its validated environment. */
function shutdownBudgetSeconds(env: CommonEnv): number {
  return (env.SHUTDOWN_TIMEOUT_MS + env.SHUTDOWN_DELAY_MS) / 1000;
}

/** Runs the app's own boot-time validation; a manifest value the app would reject fails here with the same message. */
function validated(app: App, env: Record<string, string>): CommonEnv {
  return validateEnv(app.schema, env);
}

// =====================================================================================================================

describe('build layout', () => {
  it.each(APPS.map((app) => [app.name]))('%s: nest-cli.json builds dist/apps/<app>/main.js from an existing entry file', (name) => {
    expect(bundlePathFor(name)).toBe(`dist/apps/${name}/main.js`);
    expect(repoFileExists(`apps/${name}/src/main.ts`)).toBe(true);
  });

  // Global setup builds only for end-to-end runs: build here rather than pass without looking at a bundle.
  beforeAll(() => buildIfNeeded(), 600_000);
  it('the built bundles are where the images run them from', () => {
    expect(APPS.filter((app) => !repoFileExists(bundlePathFor(app.name))).map((app) => app.name)).toEqual([]);
  });

  it('every package the built bundles require is installed by npm ci --omit=dev (not a devDependency)', () => {
    // node_modules stay external to the webpack bundle, so the runtime image has only what the lockfile marks as
    // production: a `require` of a dev-only package works here and crashes in the container.
    const lock = JSON.parse(readText(join(REPO_ROOT, 'package-lock.json'))) as Doc;
    for (const app of APPS) {
      const bundle = join(REPO_ROOT, bundlePathFor(app.name));
      const required = new Set(
        [...readText(bundle).matchAll(/require\("([^"./][^"]*)"\)/g)]
          .map((match) => match[1])
          .filter((id) => !id.startsWith('node:') && !builtinModules.includes(id.split('/')[0]))
          .map((id) =>
            id
              .split('/')
              .slice(0, id.startsWith('@') ? 2 : 1)
              .join('/'),
          ),
      );
      for (const pkg of required) {
        const entry = lock.packages?.[`node_modules/${pkg}`] as Doc | undefined;
        expect({ app: app.name, pkg, production: !!entry && entry.dev !== true && entry.devOptional !== true }).toEqual({
          app: app.name,
          pkg,
          production: true,
        });
      }
    }
  });
});

// =====================================================================================================================

describe('docker/Dockerfile', () => {
  const dockerfile: Dockerfile = parseDockerfile(readText(join(DOCKER_DIR, 'Dockerfile')));
  const { stages } = dockerfile;
  const final = stages[stages.length - 1];
  const finalInstructions = effectiveInstructions(final);
  const runs = (stage: Stage) =>
    effectiveInstructions(stage)
      .filter((i) => i.keyword === 'RUN')
      .map((i) => i.args);
  const finalEnv = Object.assign({}, ...finalInstructions.filter((i) => i.keyword === 'ENV').map((i) => parseAssignments(i.args))) as Record<
    string,
    string
  >;
  const finalArgs = Object.assign({}, ...final.instructions.filter((i) => i.keyword === 'ARG').map((i) => parseAssignments(i.args))) as Record<
    string,
    string
  >;
  const last = (keyword: string) => [...finalInstructions].reverse().find((i) => i.keyword === keyword);

  it('is multi-stage: dependencies, build and a separate runtime stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
  });

  it('every stage rests on an official, supported Node LTS image (24 or 26: bookworm slim or alpine), never a floating tag', () => {
    for (const stage of stages) expect(stage.image).toMatch(/^node:(24|26)(\.\d+)*-(bookworm-slim|bookworm|alpine[\d.]*|slim)$/);
  });

  it("pins the image's Node release, and CI runs the whole suite on that same release", () => {
    const release = /^node:(\d+\.\d+\.\d+)-/.exec(stages[0].image)?.[1];
    expect(release).toBeDefined();
    for (const stage of stages) expect(stage.image.startsWith(`node:${release}-`) || !stage.image.startsWith('node:')).toBe(true);
    const ci = readText(join(REPO_ROOT, '.ci', 'run'));
    // .ci/run reads the release from the Dockerfile, so the two cannot drift; it must run both suites under it.
    expect(ci).toMatch(/NODE_IMAGE=node:/);
    expect(ci).toMatch(/npx -y -p "node@\$\{IMAGE_NODE\}" -c '[^']*npm test && npm run test:faults'/);
    const engines = (JSON.parse(readText(join(REPO_ROOT, 'package.json'))) as { engines: { node: string } }).engines.node;
    expect(engines).toContain(`^${release!.split('.')[0]}.`);
  });

  it('installs dependencies with npm ci from the lockfile', () => {
    const installer = stages.find((stage) => runs(stage).some((run) => /\bnpm ci\b/.test(run) && !/--omit[= ]dev/.test(run)));
    expect(installer).toBeDefined();
    const instructions = effectiveInstructions(installer!);
    const lockCopy = instructions.findIndex((i) => i.keyword === 'COPY' && /package-lock\.json/.test(i.args));
    const install = instructions.findIndex((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args));
    expect(lockCopy).toBeGreaterThanOrEqual(0);
    expect(lockCopy).toBeLessThan(install);
  });

  it('builds with npm run build and the runtime stage copies only dist from the build stage', () => {
    const builder = stages.find((stage) => stage.instructions.some((i) => i.keyword === 'RUN' && /\bnpm run build\b/.test(i.args)));
    expect(builder?.alias).toBeDefined();
    const copies = final.instructions.filter((i) => i.keyword === 'COPY').map((i) => parseCopy(i.args));
    const dist = copies.find((copy) => copy.from === builder!.alias && copy.sources.some((source) => /(^|\/)dist\/?$/.test(source)));
    expect(dist).toBeDefined();
    // Resolved against WORKDIR, dist lands next to where CMD runs node from.
    const workdir = workdirOf(finalInstructions);
    expect(posix.resolve(workdir, dist!.destination)).toBe(posix.join(workdir, 'dist'));
    expect(copies.filter((copy) => copy.from === builder!.alias).every((copy) => copy.sources.every((s) => /dist\/?$/.test(s)))).toBe(true);
  });

  it('the runtime stage has production dependencies only (npm ci --omit=dev)', () => {
    const inFinal = runs(final).some((run) => /\bnpm ci\b.*--omit[= ]dev/.test(run));
    const copied = final.instructions
      .filter((i) => i.keyword === 'COPY')
      .map((i) => parseCopy(i.args))
      .filter((copy) => copy.sources.some((source) => /node_modules\/?$/.test(source)));
    for (const copy of copied) {
      const source = stages.find((stage) => stage.alias === copy.from);
      expect(source).toBeDefined();
      expect(source!.instructions.some((i) => i.keyword === 'RUN' && /\bnpm ci\b.*--omit[= ]dev/.test(i.args))).toBe(true);
    }
    expect(inFinal || copied.length > 0).toBe(true);
  });

  it('runs as a non-root user', () => {
    const user = last('USER')?.args.split(':')[0];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(user).toMatch(/^(node|[1-9]\d*)$/);
  });

  it('has tini as PID 1 so SIGTERM reaches node, and installs it', () => {
    const entrypoint = execForm(last('ENTRYPOINT')?.args ?? '');
    expect(entrypoint).toBeDefined();
    expect(entrypoint![0]).toMatch(/(^|\/)(tini|dumb-init)$/);
    expect(runs(final).some((run) => /\b(tini|dumb-init)\b/.test(run))).toBe(true);
  });

  it('CMD (exec form, the shell execs node) runs the bundle nest-cli.json produces for the app chosen by APP', () => {
    const cmd = execForm(last('CMD')?.args ?? '');
    expect(cmd).toBeDefined();
    let command = cmd!.join(' ');
    if (cmd![0] === 'sh' || cmd![0] === '/bin/sh') {
      expect(cmd![1]).toBe('-c');
      // Without exec, sh would be tini's child and swallow SIGTERM.
      expect(cmd![2]).toMatch(/^exec node /);
      command = cmd![2].replace(/^exec /, '');
    }
    expect(command).toMatch(/^node /);
    // The default APP is a real app, baked into ENV so `docker run -e APP=...` can switch it.
    expect(APPS.map((app) => app.name)).toContain(finalArgs.APP);
    expect(finalEnv.APP).toMatch(/^\$\{?APP\}?$/);
    for (const app of APPS) {
      const script = substitute(command, { APP: app.name }).split(/\s+/)[1];
      expect(script).toBe(bundlePathFor(app.name));
    }
  });

  it('EXPOSEs every app port', () => {
    const exposed = finalInstructions.filter((i) => i.keyword === 'EXPOSE').flatMap((i) => i.args.split(/\s+/).map((p) => Number(p.split('/')[0])));
    for (const app of APPS) expect(exposed).toContain(app.port);
  });

  it('DATA_DIR is writable by the app user (created and chowned) and valid for every app', () => {
    const dataDir = finalEnv.DATA_DIR;
    expect(dataDir).toMatch(/^\//);
    const writable = dataDir.startsWith('/tmp/') || runs(final).some((run) => run.includes(dataDir) && /\bchown\b/.test(run));
    expect(writable).toBe(true);
  });

  it('sets only variables the apps read (env schemas, OTEL_*) or image-level ones (APP, NODE_ENV), with valid values', () => {
    for (const app of APPS) {
      for (const name of Object.keys(finalEnv)) expect({ name, known: app.allows(name) || IMAGE_VARIABLES.has(name) }).toEqual({ name, known: true });
      const resolvedEnv = Object.fromEntries(Object.entries(finalEnv).map(([key, value]) => [key, substitute(value, finalArgs)]));
      expect(() => validated(app, resolvedEnv)).not.toThrow();
    }
  });

  it('copies only files that exist and that .dockerignore keeps in the build context', () => {
    const ignored = readText(join(REPO_ROOT, '.dockerignore'))
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#') && !line.startsWith('!'));
    for (const instruction of stages.flatMap((stage) => stage.instructions)) {
      if (instruction.keyword !== 'COPY' && instruction.keyword !== 'ADD') continue;
      const copy = parseCopy(instruction.args);
      if (copy.from) continue;
      for (const source of copy.sources) {
        expect({ source, exists: repoFileExists(source) }).toEqual({ source, exists: true });
        const top = source.replace(/^\.\//, '').split('/')[0];
        expect({ source, ignored: ignored.some((pattern) => pattern.replace(/\/$/, '') === top) }).toEqual({ source, ignored: false });
      }
    }
  });
});

describe('.dockerignore', () => {
  it('keeps local artefacts and secrets out of the build context', () => {
    const entries = readText(join(REPO_ROOT, '.dockerignore'))
      .split(/\r?\n/)
      .map((line) =>
        line
          .trim()
          .replace(/^\*\*\//, '')
          .replace(/\/$/, ''),
      );
    for (const entry of ['node_modules', 'dist', '.data', '.git', 'coverage', '.env']) expect(entries).toContain(entry);
  });
});

// =====================================================================================================================

describe('docker/compose.yaml', () => {
  const compose = readYaml(join(DOCKER_DIR, 'compose.yaml'));
  const services = compose.services as Record<string, Doc>;
  const healthcheckText = (service: Doc): string => {
    const test = service.healthcheck?.test as string | string[] | undefined;
    return Array.isArray(test) ? test.join(' ') : (test ?? '');
  };
  const publishes = (service: Doc, port: number): boolean =>
    ((service.ports ?? []) as (string | number | Doc)[]).some((entry) =>
      typeof entry === 'object'
        ? Number(entry.published) === port && Number(entry.target) === port
        : String(entry).replace(/\/.*$/, '').endsWith(`${port}:${port}`),
    );

  it('does not take the host ports a local NATS (4222) or PostgreSQL (5432) already uses', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const entry of (service.ports ?? []) as (string | number | Doc)[]) {
        const published = typeof entry === 'object' ? String(entry.published) : String(entry).split(':').slice(0, -1).pop();
        expect({ service: name, published }).not.toEqual({ service: name, published: expect.stringMatching(/^(4222|5432)$/) });
      }
    }
  });

  it('NATS runs with JetStream, its store on a volume, monitoring on 8222 and a /healthz health check', () => {
    const nats = services.nats;
    expect(nats.image).toMatch(/^nats:2\.(9|1\d)\b/);
    const command = (Array.isArray(nats.command) ? nats.command : String(nats.command).split(/\s+/)) as string[];
    expect(command.some((arg) => arg === '-js' || arg === '--jetstream')).toBe(true);
    const storeFlag = command.findIndex((arg) => arg === '-sd' || arg === '--store_dir');
    expect(storeFlag).toBeGreaterThanOrEqual(0);
    const storeDir = command[storeFlag + 1];
    expect((nats.volumes as string[]).some((volume) => String(volume).split(':')[1] === storeDir)).toBe(true);
    const monitorFlag = command.findIndex((arg) => arg === '-m' || arg === '--http_port');
    expect(command[monitorFlag + 1]).toBe('8222');
    expect(publishes(nats, 8222)).toBe(true);
    expect(healthcheckText(nats)).toContain('8222/healthz');
  });

  it('PostgreSQL 16 with a pg_isready health check and the database the services use', () => {
    const postgres = services.postgres;
    expect(postgres.image).toMatch(/^postgres:16\b/);
    expect(healthcheckText(postgres)).toContain('pg_isready');
    const database = composeEnvironment(postgres.environment).POSTGRES_DB;
    for (const app of APPS) expect(new URL(composeEnvironment(services[app.name].environment).DATABASE_URL).pathname).toBe(`/${database}`);
  });

  it('Jaeger takes OTLP on 4317/4318 and serves its UI on 16686', () => {
    const jaeger = services.jaeger;
    // all-in-one is Jaeger v1 (OTLP behind COLLECTOR_OTLP_ENABLED); jaegertracing/jaeger is v2, OTLP always on.
    expect(jaeger.image).toMatch(/^jaegertracing\/(all-in-one|jaeger):\d/);
    if (String(jaeger.image).startsWith('jaegertracing/all-in-one:')) {
      expect(composeEnvironment(jaeger.environment).COLLECTOR_OTLP_ENABLED).toBe('true');
    }
    for (const port of [16686, 4317, 4318]) expect(publishes(jaeger, port)).toBe(true);
  });

  describe.each(APPS.map((app) => [app.name, app] as const))('%s', (name, app) => {
    const service = services[name];
    const env = composeEnvironment(service?.environment);

    it('is built from docker/Dockerfile at the repository root with APP selecting the app', () => {
      const context = resolve(DOCKER_DIR, service.build.context as string);
      expect(context).toBe(REPO_ROOT);
      expect(resolve(context, service.build.dockerfile as string)).toBe(join(DOCKER_DIR, 'Dockerfile'));
      const command = ([] as string[]).concat(service.command ?? []).join(' ');
      expect(service.build.args?.APP === name || command.includes(bundlePathFor(name))).toBe(true);
    });

    it('sets only variables the app reads, with values its env schema accepts', () => {
      for (const variable of Object.keys(env)) expect({ variable, known: app.allows(variable) }).toEqual({ variable, known: true });
      expect(() => validated(app, env)).not.toThrow();
    });

    it('reaches NATS, PostgreSQL and Jaeger by their compose service names', () => {
      expect(new URL(env.NATS_URL.split(',')[0]).hostname).toBe('nats');
      expect(new URL(env.DATABASE_URL).hostname).toBe('postgres');
      const otlp = new URL(env.OTEL_EXPORTER_OTLP_ENDPOINT);
      expect(otlp.hostname).toBe('jaeger');
      expect(otlp.port).toBe(env.OTEL_EXPORTER_OTLP_PROTOCOL === 'grpc' ? '4317' : '4318');
    });

    it('has a health check on /health/ready at its port, using node (the slim image has no curl)', () => {
      const port = validated(app, env).PORT;
      const test = healthcheckText(service);
      expect(test).toContain(`:${port}${HEALTH_READY}`);
      expect(test).toMatch(/\bnode\b/);
    });

    it('starts after NATS and PostgreSQL report healthy', () => {
      for (const dependency of ['nats', 'postgres']) {
        expect(service.depends_on?.[dependency]?.condition).toBe('service_healthy');
        expect(services[dependency].healthcheck).toBeDefined();
      }
    });

    it('gets a stop grace period longer than its shutdown timeout plus delay', () => {
      expect(durationSeconds(service.stop_grace_period as string)).toBeGreaterThan(shutdownBudgetSeconds(validated(app, env)));
    });

    it('runs with a read-only root filesystem and a writable /tmp holding DATA_DIR', () => {
      expect(service.read_only).toBe(true);
      expect(service.tmpfs).toContain('/tmp');
      expect(validated(app, env).DATA_DIR.startsWith('/tmp/')).toBe(true);
    });
  });

  it('order-service publishes its API on localhost:3000', () => {
    expect(publishes(services['order-service'], 3000)).toBe(true);
  });
});

// =====================================================================================================================

describe('docker/k8s', () => {
  const kustomization = readYaml(join(K8S_DIR, 'kustomization.yaml'));
  const resources = (kustomization.resources as string[]).map((file) => {
    expect(existsSync(join(K8S_DIR, file))).toBe(true);
    return readYamlDocuments(join(K8S_DIR, file));
  });
  const objects = resources.flat();
  const find = (kind: string, name: string) => objects.find((object) => object.kind === kind && object.metadata?.name === name);
  const secretExample = readYamlDocuments(join(K8S_DIR, 'secret.example.yaml'));
  const imageName = (kustomization.images as Doc[] | undefined)?.[0]?.name as string | undefined;

  it('kustomization lists every manifest in the folder (the Secret example, Helm values and NATS namespace deliberately aside)', () => {
    const notApplied = new Set(['kustomization.yaml', 'secret.example.yaml', 'nats-values.yaml', 'nats-namespace.yaml']);
    const manifests = readdirSync(K8S_DIR).filter((file) => /\.ya?ml$/.test(file) && !notApplied.has(file));
    expect([...(kustomization.resources as string[])].sort()).toEqual(manifests.sort());
  });

  it('puts everything in one namespace, which exists', () => {
    expect(find('Namespace', kustomization.namespace as string)).toBeDefined();
    for (const object of objects.filter((o) => o.kind !== 'Namespace')) expect(object.metadata.namespace).toBe(kustomization.namespace);
  });

  it('ships a Secret example with the database URL, shaped like the Secret the Deployments read', () => {
    const secret = secretExample.find((object) => object.kind === 'Secret');
    expect(secret).toBeDefined();
    expect(secret!.stringData?.DATABASE_URL).toMatch(/^postgres(ql)?:\/\//);
  });

  it('documents how to run NATS (Helm chart with JetStream) and PostgreSQL', () => {
    const readme = readText(join(K8S_DIR, 'README.md'));
    expect(readme).toMatch(/helm .*nats/);
    expect(readme).toMatch(/PostgreSQL/);
    expect(readYaml(join(K8S_DIR, 'nats-values.yaml')).config?.jetstream?.enabled).toBe(true);
  });

  describe.each(APPS.map((app) => [app.name, app] as const))('%s', (name, app) => {
    const deployment = find('Deployment', name)!;
    const pod = deployment?.spec?.template?.spec as Doc;
    const containers = (pod?.containers ?? []) as Doc[];
    const container: Doc = containers.find((c) => c.name === name) ?? containers[0] ?? {};
    const podLabels = (deployment?.spec?.template?.metadata?.labels ?? {}) as Record<string, string>;
    const selects = (selector: Record<string, string> | undefined) =>
      !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => podLabels[key] === value);

    /** The container's environment as the kubelet builds it: envFrom ConfigMaps, then env (Secrets from the example). */
    const environment = (): Record<string, string> => {
      const env: Record<string, string> = {};
      for (const source of (container.envFrom ?? []) as Doc[]) {
        const configMap = find('ConfigMap', source.configMapRef?.name as string);
        expect(configMap).toBeDefined();
        Object.assign(env, configMap!.data);
      }
      for (const entry of (container.env ?? []) as Doc[]) {
        if (entry.value !== undefined) env[entry.name as string] = String(entry.value);
        const secretRef = entry.valueFrom?.secretKeyRef as Doc | undefined;
        if (secretRef) {
          const secret = secretExample.find((object) => object.kind === 'Secret' && object.metadata.name === secretRef.name);
          expect({ secret: secretRef.name, key: secretRef.key, found: secret?.stringData?.[secretRef.key as string] !== undefined }).toEqual({
            secret: secretRef.name,
            key: secretRef.key,
            found: true,
          });
          env[entry.name as string] = String(secret!.stringData[secretRef.key as string]);
        }
        const configMapRef = entry.valueFrom?.configMapKeyRef as Doc | undefined;
        if (configMapRef) env[entry.name as string] = String(find('ConfigMap', configMapRef.name as string)?.data?.[configMapRef.key as string]);
      }
      return env;
    };
    const portNumber = (port: string | number): number =>
      typeof port === 'number' ? port : Number(((container.ports ?? []) as Doc[]).find((p) => p.name === port)?.containerPort);

    it('has a Deployment with 2 replicas running the app bundle from the shared image', () => {
      expect(deployment).toBeDefined();
      expect(deployment.spec.replicas).toBe(2);
      expect(selects(deployment.spec.selector.matchLabels as Record<string, string>)).toBe(true);
      if (imageName) expect(String(container.image).split(':')[0]).toBe(imageName);
      const command = [...((container.command ?? []) as string[]), ...((container.args ?? []) as string[])];
      expect(command).toEqual(['node', bundlePathFor(name)]);
    });

    it('sets only variables the app reads, with values its env schema accepts', () => {
      const env = environment();
      for (const variable of Object.keys(env)) expect({ variable, known: app.allows(variable) }).toEqual({ variable, known: true });
      expect(() => validated(app, env)).not.toThrow();
      // Replicas must share one database: the embedded fallback would give each pod its own.
      expect(env.DATABASE_URL).toBeDefined();
    });

    it('listens on its container port: PORT, the app default, the probes and the Service agree', () => {
      const port = validated(app, environment()).PORT;
      expect(port).toBe(app.port);
      expect(((container.ports ?? []) as Doc[]).map((p) => p.containerPort)).toContain(port);
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) expect(portNumber(container[probe].httpGet.port as string)).toBe(port);
      const service = find('Service', name);
      expect(service).toBeDefined();
      expect(selects(service!.spec.selector as Record<string, string>)).toBe(true);
      for (const servicePort of service!.spec.ports as Doc[]) expect(portNumber((servicePort.targetPort ?? servicePort.port) as string)).toBe(port);
      const annotations = (deployment.spec.template.metadata.annotations ?? {}) as Record<string, string>;
      if (annotations['prometheus.io/port']) {
        expect(Number(annotations['prometheus.io/port'])).toBe(port);
        expect(annotations['prometheus.io/path']).toBe('/metrics');
      }
    });

    it('probes: liveness /health/live, readiness /health/ready, and a startup probe', () => {
      expect(container.livenessProbe.httpGet.path).toBe(HEALTH_LIVE);
      expect(container.readinessProbe.httpGet.path).toBe(HEALTH_READY);
      expect([HEALTH_LIVE, HEALTH_READY]).toContain(container.startupProbe.httpGet.path);
      // Liveness must never hinge on dependencies, or a broker outage restarts every pod.
      expect(container.livenessProbe.httpGet.path).not.toBe(HEALTH_READY);
    });

    it('has CPU and memory requests and limits, limits not below requests', () => {
      for (const resource of ['cpu', 'memory']) {
        const request = container.resources?.requests?.[resource] as string | undefined;
        const limit = container.resources?.limits?.[resource] as string | undefined;
        expect({ resource, request, limit }).toEqual({ resource, request: expect.anything(), limit: expect.anything() });
        expect(quantity(limit!)).toBeGreaterThanOrEqual(quantity(request!));
      }
    });

    it('runs non-root with a read-only root filesystem and no privilege escalation', () => {
      const runAsNonRoot = container.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
      expect(runAsNonRoot).toBe(true);
      const runAsUser = container.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
      if (runAsUser !== undefined) expect(runAsUser).toBeGreaterThan(0);
      expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);
      expect(container.securityContext?.allowPrivilegeEscalation).toBe(false);
      expect(container.securityContext?.capabilities?.drop).toContain('ALL');
    });

    it('mounts emptyDirs at /tmp and DATA_DIR (the only writable paths)', () => {
      const dataDir = validated(app, environment()).DATA_DIR;
      const emptyDirs = new Set(((pod.volumes ?? []) as Doc[]).filter((v) => v.emptyDir !== undefined).map((v) => v.name as string));
      const mounted = ((container.volumeMounts ?? []) as Doc[]).filter((m) => emptyDirs.has(m.name as string)).map((m) => m.mountPath as string);
      expect(mounted).toContain('/tmp');
      expect(mounted.some((path) => dataDir === path || dataDir.startsWith(`${path}/`))).toBe(true);
    });

    it('gives the pod a termination grace period above SHUTDOWN_TIMEOUT_MS + SHUTDOWN_DELAY_MS', () => {
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(shutdownBudgetSeconds(validated(app, environment())));
    });

    it('rolls out without dropping below the running replicas', () => {
      expect(deployment.spec.strategy?.rollingUpdate?.maxUnavailable ?? '25%').toBe(0);
    });

    it('has a PodDisruptionBudget keeping at least one pod', () => {
      const budget = find('PodDisruptionBudget', name);
      expect(budget).toBeDefined();
      expect(budget!.spec.minAvailable).toBe(1);
      expect(selects(budget!.spec.selector.matchLabels as Record<string, string>)).toBe(true);
    });
  });
});
