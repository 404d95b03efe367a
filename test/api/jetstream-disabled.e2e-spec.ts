import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  createTestDatabase,
  freePort,
  type NatsServerProcess,
  REPO_ROOT,
  type ServiceProcess,
  startNatsServer,
  startService,
  stopProcess,
  type TestDatabase,
  waitForHttp,
} from '../support/stack';
import { eventually } from '../support/system';

/**
 * `apt-get install nats-server` starts Debian's service on 127.0.0.1:4222 without JetStream. Whatever meets such a
 * server must say so by name, not "503" forever: the services (log and readiness details) and `npm start`.
 */
describe('a NATS server without JetStream is named', () => {
  let nats: NatsServerProcess;
  let database: TestDatabase;
  let service: ServiceProcess | undefined;
  const dirs: string[] = [];
  const expected = /the NATS server at 127\.0\.0\.1:\d+ has JetStream disabled; start it with -js/;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'no-js-'));
    dirs.push(dir);
    nats = await startNatsServer({ port: await freePort(), storeDir: dir, jetstream: false });
    database = await createTestDatabase('nojs');
  }, 60_000);

  afterAll(async () => {
    await service?.stop('SIGTERM', 10_000).catch(() => undefined);
    await nats?.stop().catch(() => undefined);
    await database?.drop().catch(() => undefined);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('a service logs it once and shows it in its readiness details', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'no-js-data-'));
    dirs.push(dataDir);
    service = startService('inventory-service', {
      PORT: String(port),
      NATS_URL: nats.url,
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
    });
    const base = `http://127.0.0.1:${port}`;
    await waitForHttp(`${base}/health/live`, { timeoutMs: 60_000 });
    const body = await eventually(
      async () => {
        const response = await fetch(`${base}/health/ready`);
        const json = (await response.json()) as { error?: { jetstream?: { message?: string } } };
        return response.status === 503 && expected.test(json.error?.jetstream?.message ?? '') ? json : undefined;
      },
      30_000,
      () => `readiness never named the missing JetStream\n${service!.output().slice(-3000)}`,
    );
    expect(body.error?.jetstream?.message).toMatch(expected);
    // Several provisioning attempts later, the reason was logged once, not at every attempt.
    await new Promise((r) => setTimeout(r, 4000));
    const provisioningWarnings = service
      .output()
      .split('\n')
      .filter((line) => /stream provisioning attempt/.test(line) && expected.test(line));
    expect(provisioningWarnings).toHaveLength(1);
    // ...and a failing readiness probe is a warning, once per change of state, with no stack trace.
    for (let i = 0; i < 3; i++) await fetch(`${base}/health/ready`);
    const lines = service.output().split('\n');
    expect(lines.filter((line) => /not ready: /.test(line))).toHaveLength(1);
    expect(lines.filter((line) => /"level":50/.test(line) && /health/i.test(line))).toHaveLength(0);
    expect(service.output()).not.toMatch(/\n\s+at .*health/i);
  }, 90_000);

  it('npm start refuses it with the reason and what to do', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'no-js-start-'));
    dirs.push(dataDir);
    const child = spawn(
      process.execPath,
      [join(REPO_ROOT, 'node_modules', 'ts-node', 'dist', 'bin.js'), '--transpile-only', '-P', 'tsconfig.json', 'tools/start.ts'],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, NATS_URL: nats.url, DATA_DIR: dataDir },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      const code = await new Promise<number | null>((done) => child.once('exit', (c) => done(c)));
      expect(code).toBe(1);
      expect(output).toMatch(/has JetStream disabled/);
      expect(output).toMatch(/systemctl disable --now nats-server/);
      expect(output).not.toMatch(/services starting/);
    } finally {
      await stopProcess(child, 'SIGKILL', 1000);
    }
  }, 60_000);
});
