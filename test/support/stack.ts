/**
 * Process orchestration shared by `npm start`, the end-to-end and fault tests, and the benchmarks: find or start a
 * NATS server with JetStream, build the apps when their sources changed, and run the four services as child
 * processes. Lives under test/ because the repository's top level is fixed; nothing in apps/ or libs/ imports it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { Client } from 'pg';

export const REPO_ROOT = resolve(__dirname, '..', '..');

export const SERVICES = [
  { name: 'order-service', port: 3000 },
  { name: 'inventory-service', port: 3001 },
  { name: 'payment-service', port: 3002 },
  { name: 'notification-service', port: 3003 },
] as const;
export type ServiceName = (typeof SERVICES)[number]['name'];

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves true when a TCP connection to host:port opens within the timeout. */
export function canConnect(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection({ host, port });
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

/** A TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

/** The first server of a NATS_URL list as host and port. */
export function firstNatsServer(natsUrl: string): { host: string; port: number } {
  const url = new URL(natsUrl.split(',')[0].trim());
  return { host: url.hostname, port: Number(url.port || 4222) };
}

/** Path of an installed nats-server binary, or undefined. */
export function findNatsServerBinary(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/local/bin', '/usr/bin'])) {
    const candidate = join(dir, 'nats-server');
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** A nats-server child process this code started (and must stop). */
export interface NatsServerProcess {
  url: string;
  port: number;
  storeDir: string;
  process: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Where and how a test's own nats-server runs. */
export interface NatsServerOptions {
  host?: string;
  port: number;
  storeDir: string;
  /** `false` starts one without JetStream, as Debian's packaged service runs. */
  jetstream?: boolean;
  /** Run it in a process group of its own, so a terminal's Ctrl-C reaches only the caller (`npm start`). */
  detached?: boolean;
  /** A configuration file (`-c`), e.g. docker/nats/nats-server.conf; the flags still set host, port and store. */
  config?: string;
  /** Extra environment of the server process (the passwords a configuration file references). */
  env?: Record<string, string>;
  /** More command-line arguments (a cluster node's `-n`, `--cluster_name`, `--cluster`, `--routes`). */
  args?: string[];
}

/** Starts `nats-server -js` on host:port with its store under storeDir and waits until it accepts connections. */
export async function startNatsServer(options: NatsServerOptions): Promise<NatsServerProcess> {
  const binary = findNatsServerBinary();
  if (!binary) throw new Error('nats-server is not installed');
  const host = options.host ?? '127.0.0.1';
  mkdirSync(options.storeDir, { recursive: true });
  const jetstream = options.jetstream === false ? [] : ['-js', '-sd', options.storeDir];
  const config = options.config ? ['-c', options.config] : [];
  const child = spawn(binary, [...config, '-a', host, '-p', String(options.port), ...jetstream, ...(options.args ?? [])], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: options.detached === true,
    env: options.env ? { ...process.env, ...options.env } : process.env,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(host, options.port, 300))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nats-server did not start on ${host}:${options.port}: ${stderr.trim()}`);
    }
    await sleep(100);
  }
  return {
    url: `nats://${host}:${options.port}`,
    port: options.port,
    storeDir: options.storeDir,
    process: child,
    stop: (signal = 'SIGTERM') => stopProcess(child, signal),
  };
}

/** Sends a signal and waits for the process to exit (SIGKILL after the timeout). */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** True when some app is not built or a source file in apps/ or libs/ is newer than its bundle. */
export function buildIsStale(): boolean {
  const sources = Math.max(newestMtime(join(REPO_ROOT, 'apps')), newestMtime(join(REPO_ROOT, 'libs')));
  return SERVICES.some(({ name }) => {
    const bundle = join(REPO_ROOT, 'dist', 'apps', name, 'main.js');
    return !existsSync(bundle) || statSync(bundle).mtimeMs < sources;
  });
}

/** Runs `npm run build` when the bundles are missing or stale. Throws when the build fails. */
export function buildIfNeeded(log: (line: string) => void = () => undefined): void {
  if (!buildIsStale()) return;
  log('building the apps (npm run build)...');
  const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('npm run build failed');
  // webpack leaves a bundle whose content did not change untouched; mark every bundle as built from these sources.
  const now = new Date();
  for (const { name } of SERVICES) utimesSync(join(REPO_ROOT, 'dist', 'apps', name, 'main.js'), now, now);
}

/** Fails fast with the reason when the bundles an end-to-end test is about to run are missing or older than the sources. */
export function assertBundlesFresh(): void {
  if (buildIsStale()) throw new Error('the app bundles are missing or stale: `npm run build` failed or was skipped');
}

/** A running service started from its bundle. */
export interface ServiceProcess {
  name: ServiceName;
  port: number;
  process: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

/**
 * What every service a test starts gets unless the test says otherwise: order-service runs without authentication
 * (AUTH_DISABLED=true), since most tests are about something else. Tests of authentication pass the AUTH_* variables
 * and `AUTH_DISABLED: ''` (see test/support/test-auth.ts).
 */
export const TEST_SERVICE_DEFAULTS: Readonly<Record<string, string>> = Object.freeze({ AUTH_DISABLED: 'true' });

/**
 * Starts a built service (`node dist/apps/<name>/main.js`) with the given environment on top of process.env and
 * {@link TEST_SERVICE_DEFAULTS}.
 */
export function startService(
  name: ServiceName,
  env: Record<string, string | undefined>,
  onLine?: (line: string) => void,
): ServiceProcess {
  assertBundlesFresh();
  const port = Number(env.PORT ?? SERVICES.find((s) => s.name === name)!.port);
  const child = spawn(process.execPath, [join(REPO_ROOT, 'dist', 'apps', name, 'main.js')], {
    cwd: REPO_ROOT,
    env: { ...TEST_SERVICE_DEFAULTS, ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let captured = '';
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    captured = (captured + text).slice(-200_000);
    if (onLine) for (const line of text.split('\n')) if (line.trim()) onLine(line);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return {
    name,
    port,
    process: child,
    output: () => captured,
    stop: (signal = 'SIGTERM', timeoutMs = 15_000) => stopProcess(child, signal, timeoutMs),
  };
}

/** Polls a URL until it answers with the expected status (default 200) or the timeout passes. */
export async function waitForHttp(url: string, options: { status?: number; timeoutMs?: number } = {}): Promise<void> {
  const expected = options.status ?? 200;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.status === expected) return;
      last = `status ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(200);
  }
  throw new Error(`${url} did not answer ${expected} in time (last: ${last})`);
}

/** The shared PostgreSQL server the tests use (CI starts it; `PG_TEST_URL` points elsewhere). */
export const PG_ADMIN_URL = process.env.PG_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A database of its own for one test file, created on the shared server and dropped afterwards. */
export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** Creates an empty database named `t_<prefix>_<random>` so test files never see each other's rows. */
export async function createTestDatabase(prefix = 'test'): Promise<TestDatabase> {
  const name = `t_${prefix.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const client = new Client({ connectionString: PG_ADMIN_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
