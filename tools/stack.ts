/**
 * Process orchestration shared by `npm start`, the end-to-end and fault tests, and the benchmarks: find or start a
 * NATS server with JetStream and build the apps when their sources changed. Nothing in apps/ or libs/ imports it;
 * test/support/stack.ts adds what only tests need (services started from their bundles, test databases).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const REPO_ROOT = resolve(__dirname, '..');

export const SERVICES = [
  { name: 'order-service', port: 3000 },
  { name: 'inventory-service', port: 3001 },
  { name: 'payment-service', port: 3002 },
  { name: 'notification-service', port: 3003 },
] as const;
export type ServiceName = (typeof SERVICES)[number]['name'];

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

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
