/**
 * The whole system for end-to-end and fault tests: a NATS server of its own (on a free port, so it can be stopped
 * and restarted without touching the shared one) or a cluster the test runs, a fresh PostgreSQL database, and the
 * four services started from their bundles as separate processes, one or more replicas of each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import type { Json } from './json';
import {
  createTestDatabase,
  freePort,
  type NatsServerOptions,
  type NatsServerProcess,
  type ServiceName,
  type ServiceProcess,
  SERVICES,
  startNatsServer,
  startService,
  type TestDatabase,
  waitForHttp,
} from './stack';

export interface RunningSystem {
  nats: NatsServerProcess;
  natsUrl: string;
  database: TestDatabase;
  /** The first replica of each service. */
  services: Map<ServiceName, ServiceProcess>;
  /** Every replica of each service, by replica index. */
  replicas: Map<ServiceName, ServiceProcess[]>;
  /** Base URL of a service replica's HTTP port (the first replica unless told). */
  url(name: ServiceName, replica?: number): string;
  /** Starts (or restarts) one service replica, optionally with extra environment, and waits until it is ready. */
  startService(name: ServiceName, env?: Record<string, string>, replica?: number): Promise<ServiceProcess>;
  /** Stops the NATS server (SIGTERM, or SIGKILL to simulate a crash). */
  stopNats(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the NATS server again on the same port with the same store. */
  restartNats(): Promise<void>;
  /** The last output lines of every service, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

export interface SystemOptions {
  /** Extra environment for every service, or per service. */
  env?: Record<string, string>;
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Which services to start (default all four). */
  only?: ServiceName[];
  /** The test's nats-server runs with this configuration file and environment (e.g. per-service NATS users). */
  natsServer?: Pick<NatsServerOptions, 'config' | 'env'>;
  /**
   * NATS servers the test runs itself (a cluster: test/support/nats-cluster.ts), comma-separated: no server of the
   * system's own is started, and `nats`, `stopNats` and `restartNats` are not available.
   */
  natsUrl?: string;
  /** Processes per service (default 1), all on the one database, each on a port of its own. */
  replicas?: number;
}

export async function startSystem(options: SystemOptions = {}): Promise<RunningSystem> {
  const natsPort = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), 'saga-nats-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'saga-data-'));
  let nats: NatsServerProcess | undefined;
  let database: TestDatabase;
  try {
    if (!options.natsUrl) nats = await startNatsServer({ port: natsPort, storeDir, ...options.natsServer });
  } catch (error) {
    rmSync(storeDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  try {
    database = await createTestDatabase('saga');
  } catch (error) {
    // Without this the nats-server outlived the test run (and Jest waited on it) whenever PostgreSQL was down.
    await nats?.stop().catch(() => undefined);
    rmSync(storeDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const replicaCount = Math.max(1, options.replicas ?? 1);
  const ports = new Map<string, number>();
  for (const { name } of SERVICES) for (let i = 0; i < replicaCount; i++) ports.set(`${name}#${i}`, await freePort());
  const services = new Map<ServiceName, ServiceProcess>();
  const replicas = new Map<ServiceName, ServiceProcess[]>();
  const natsUrl = () => options.natsUrl ?? nats!.url;
  const ownNats = (): NatsServerProcess => {
    if (!nats) throw new Error('this system runs on NATS servers the test started (options.natsUrl)');
    return nats;
  };

  const envFor = (name: ServiceName, replica: number): Record<string, string> => ({
    NATS_URL: natsUrl(),
    DATABASE_URL: database.url,
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.SAGA_LOG_LEVEL ?? 'warn',
    LOG_FORMAT: 'json',
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_METRICS_EXPORTER: 'none',
    PORT: String(ports.get(`${name}#${replica}`)),
    ...options.env,
    ...options.serviceEnv?.[name],
  });

  const system: RunningSystem = {
    get nats() {
      return ownNats();
    },
    get natsUrl() {
      return natsUrl();
    },
    database,
    services,
    replicas,
    url: (name, replica = 0) => `http://127.0.0.1:${ports.get(`${name}#${replica}`)}`,
    startService: async (name, env = {}, replica = 0) => {
      const service = startService(name, { ...envFor(name, replica), ...env });
      if (replica === 0) services.set(name, service);
      const list = replicas.get(name) ?? [];
      list[replica] = service;
      replicas.set(name, list);
      try {
        await waitForHttp(`${system.url(name, replica)}/health/ready`, { timeoutMs: 60_000 });
      } catch (error) {
        throw new Error(
          `${name} #${replica} did not become ready: ${(error as Error).message}
${service.output().slice(-4000)}`,
          { cause: error },
        );
      }
      return service;
    },
    stopNats: async (signal = 'SIGTERM') => {
      await ownNats().stop(signal);
    },
    restartNats: async () => {
      ownNats();
      nats = await startNatsServer({ port: natsPort, storeDir, ...options.natsServer });
    },
    logs: () =>
      [...replicas.values()]
        .flatMap((list) => list.map((s, i) => `--- ${s.name}${list.length > 1 ? ` #${i}` : ''}\n${s.output().slice(-3000)}`))
        .join('\n'),
    stop: async () => {
      await Promise.all([...replicas.values()].flat().map((s) => s.stop('SIGTERM', 10_000).catch(() => undefined)));
      await nats?.stop().catch(() => undefined);
      await database.drop().catch(() => undefined);
      rmSync(storeDir, { recursive: true, force: true });
      rmSync(dataDir, { recursive: true, force: true });
    },
  };

  try {
    // All at once: each service owns one stream and consumes the others', so none is ready before its peers started.
    const names = SERVICES.filter(({ name }) => !options.only || options.only.includes(name)).map(({ name }) => name);
    await Promise.all(names.flatMap((name) => Array.from({ length: replicaCount }, (_, replica) => system.startService(name, {}, replica))));
  } catch (error) {
    await system.stop();
    throw error;
  }
  return system;
}

/** Polls `probe` until it returns a value other than undefined, or fails after the timeout with `describe()`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs: number, describe: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await sleep(250);
  }
}

export interface OrderItem {
  sku: string;
  quantity: number;
  unitPrice: number;
}

export async function postOrder(
  baseUrl: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Json; headers: Headers }> {
  const response = await fetch(`${baseUrl}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

export async function getJson(url: string): Promise<{ status: number; body: Json }> {
  const response = await fetch(url);
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** Waits until the order leaves PENDING and returns it. */
export async function finalOrder(baseUrl: string, id: string, timeoutMs = 60_000, logs: () => string = () => ''): Promise<Json> {
  let last: unknown;
  return eventually(
    async () => {
      const { status, body } = await getJson(`${baseUrl}/orders/${id}`);
      last = body;
      return status === 200 && body.status !== 'PENDING' ? body : undefined;
    },
    timeoutMs,
    () => `order ${id} still not final: ${JSON.stringify(last)}\n${logs()}`,
  );
}
