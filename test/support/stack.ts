/**
 * What the end-to-end and fault tests add to the local stack of tools/stack.ts: services started from their bundles,
 * HTTP readiness waits, and a PostgreSQL database of their own per test file.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { Client } from 'pg';

import { assertBundlesFresh, REPO_ROOT, type ServiceName, SERVICES, stopProcess } from '../../tools/stack';

export {
  assertBundlesFresh,
  buildIfNeeded,
  buildIsStale,
  canConnect,
  DEFAULT_NATS_URL,
  findNatsServerBinary,
  firstNatsServer,
  freePort,
  type NatsServerOptions,
  type NatsServerProcess,
  REPO_ROOT,
  SERVICES,
  type ServiceName,
  startNatsServer,
  stopProcess,
} from '../../tools/stack';

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
export function startService(name: ServiceName, env: Record<string, string | undefined>, onLine?: (line: string) => void): ServiceProcess {
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
