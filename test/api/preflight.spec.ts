import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort, REPO_ROOT } from '../support/stack';
import type * as SystemModule from '../support/system';

/** Processes whose command line mentions `needle` (e.g. a nats-server whose store is in a test's temp folder). */
function processesMentioning(needle: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(needle) && Number(pid) !== process.pid) found.push(`${pid}: ${cmdline}`);
    } catch {
      /* exited meanwhile */
    }
  }
  return found;
}

/**
 * `npm test` on a machine without PostgreSQL: one message naming what is missing and how to start it, within a
 * minute, and nothing left running or on disk. PG_TEST_URL points at a closed port to simulate it.
 */
describe('tests that need PostgreSQL, without PostgreSQL', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('jest stops before any test with one clear message, and leaves no process or temp folder', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'preflight-'));
    dirs.push(tmp);
    const closedPort = await freePort();
    const started = Date.now();
    const child = spawn(
      process.execPath,
      [join(REPO_ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--runInBand', 'test/saga', 'test/persistence'],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, PG_TEST_URL: `postgres://postgres@127.0.0.1:${closedPort}/test`, TMPDIR: tmp, CI: 'true' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await new Promise<number | null>((done) => child.once('exit', (c) => done(c)));
    clearTimeout(timer);

    expect(code).toBe(1);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(output).toContain(`PostgreSQL at postgres://postgres@127.0.0.1:${closedPort}/test (set PG_TEST_URL to use another): connect ECONNREFUSED`);
    expect(output).toMatch(/docker run .*postgres/);
    expect(output).toContain('bash .ci/run');
    expect(output).not.toMatch(/ECONNREFUSED[\s\S]*ECONNREFUSED[\s\S]*ECONNREFUSED/); // one message, not one per test
    expect(processesMentioning(tmp)).toEqual([]);
    expect(readdirSync(tmp).filter((entry) => !entry.startsWith('jest_'))).toEqual([]); // jest_*: Jest's own cache
  }, 90_000);

  it('a system that cannot get its database stops the nats-server it started and removes its folders', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'preflight-system-'));
    dirs.push(tmp);
    const closedPort = await freePort();
    const saved = { PG_TEST_URL: process.env.PG_TEST_URL, TMPDIR: process.env.TMPDIR };
    process.env.PG_TEST_URL = `postgres://postgres@127.0.0.1:${closedPort}/test`;
    process.env.TMPDIR = tmp;
    try {
      let startSystem!: typeof SystemModule.startSystem;
      jest.isolateModules(() => {
        // A fresh copy of the module, so it reads the environment this test set (jest.isolateModules needs require).
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
        ({ startSystem } = require('../support/system') as typeof SystemModule);
      });
      await expect(startSystem()).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
    expect(processesMentioning(tmp)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  }, 30_000);
});
