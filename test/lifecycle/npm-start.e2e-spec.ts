import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import type { Json } from '../support/json';
import {
  canConnect,
  createTestDatabase,
  freePort,
  type NatsServerProcess,
  REPO_ROOT,
  startNatsServer,
  type TestDatabase,
  waitForHttp,
} from '../support/stack';

/** Every live process below `root` (by parent pid), found in /proc: what "leaves no process" is checked against. */
function descendants(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name, which is in parentheses and may contain spaces: state, ppid, ...
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state !== 'Z') parents.set(Number(entry), Number(ppid));
    } catch {
      /* exited while listing */
    }
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parents) {
      if (parent !== pid) continue;
      found.push(child);
      walk(child);
    }
  };
  walk(root);
  return found;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** A first port with the next three free too (npm start's PORT_BASE takes four in a row). */
async function fourFreePorts(): Promise<number> {
  for (;;) {
    const base = await freePort();
    if (base > 65530) continue;
    const taken = await Promise.all([1, 2, 3].map((offset) => canConnect('127.0.0.1', base + offset, 200)));
    if (!taken.some(Boolean)) return base;
  }
}

interface Launch {
  npm: ChildProcess;
  output: () => string;
  ports: number[];
}

/** `npm start` with its own NATS port (so it starts its own nats-server), service ports, database and DATA_DIR. */
async function npmStart(database: TestDatabase, dataDir: string): Promise<Launch> {
  const base = await fourFreePorts();
  // Free now is not reserved: a port the OS hands out next may be one of base..base+3, where a service will listen.
  let natsPort = await freePort();
  while (natsPort >= base && natsPort <= base + 3) natsPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NATS_URL: `nats://127.0.0.1:${natsPort}`,
    PORT_BASE: String(base),
    DATA_DIR: dataDir,
    DATABASE_URL: database.url,
    LOG_FORMAT: 'json',
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_METRICS_EXPORTER: 'none',
  };
  const npm = spawn('npm', ['start'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  npm.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-400_000)));
  npm.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-400_000)));
  const deadline = Date.now() + 150_000;
  while (!output.includes('[start] all four services ready')) {
    if (npm.exitCode !== null || Date.now() > deadline) throw new Error(`npm start never said it was ready:\n${output.slice(-5000)}`);
    await sleep(250);
  }
  return { npm, output: () => output, ports: [base, base + 1, base + 2, base + 3, natsPort] };
}

describe('npm start stops everything it started', () => {
  let database: TestDatabase;
  let dataDir: string;
  /** Every process a test saw, killed in afterEach should the test fail and leave any. */
  let seen: number[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('npmstart');
  });

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'npm-start-'));
    seen = [];
  });

  afterEach(() => {
    for (const pid of seen) if (alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  afterAll(async () => {
    await database?.drop();
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s to the npm process: no process and no open port left within 15 s',
    async (signal) => {
      const { npm, output, ports } = await npmStart(database, dataDir);
      seen = [npm.pid!, ...descendants(npm.pid!)];
      // npm, the launcher, nats-server and four services at the least.
      expect(seen.length).toBeGreaterThanOrEqual(7);
      for (const port of ports) expect(await canConnect('127.0.0.1', port)).toBe(true);

      const sent = Date.now();
      npm.kill(signal);
      let left: number[] = seen;
      let open: number[] = ports;
      while (Date.now() - sent < 15_000 && (left.length > 0 || open.length > 0)) {
        await sleep(250);
        left = seen.filter(alive);
        const connectable = await Promise.all(ports.map((port) => canConnect('127.0.0.1', port, 200)));
        open = ports.filter((_, index) => connectable[index]);
      }
      expect({ left, open }).toEqual({ left: [], open: [] });
      expect(output()).toContain('[start] stopped');
    },
    200_000,
  );

  it('the console at the default level: no boot noise, one ready line, request lines without headers', async () => {
    const { npm, output, ports } = await npmStart(database, dataDir);
    seen = [npm.pid!, ...descendants(npm.pid!)];
    // As the README's quick start does: a token from `npm run token`, signed with the key `npm start` created.
    const token = execFileSync('npm', ['run', '--silent', 'token', '--', 'c-1'], {
      cwd: REPO_ROOT,
      env: { ...process.env, DATA_DIR: dataDir },
      encoding: 'utf8',
    }).trim();
    const response = await fetch(`http://127.0.0.1:${ports[0]}/orders?limit=1`, {
      headers: { 'x-probe': 'console-check', authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    await sleep(300);
    const text = output();
    expect(text.match(/\[start\] all four services ready: try curl/g)).toHaveLength(1);
    const lines = text
      .split('\n')
      .map((line) => /^\S+-service +\| (\{.*\})$/.exec(line)?.[1])
      .filter((json): json is string => Boolean(json));
    const entries = lines.map((json) => JSON.parse(json) as Record<string, Json>);
    expect(entries.filter((entry) => ['InstanceLoader', 'RoutesResolver', 'RouterExplorer'].includes(entry.context))).toEqual([]);
    // Each service says it listens and what it consumes; the rest of its boot is at debug.
    expect(entries.filter((entry) => entry.level === 30 && !entry.req).length).toBeLessThanOrEqual(4 * 3);
    const request = entries.find((entry) => entry.req?.url === '/orders?limit=1');
    expect(request).toMatchObject({ service: 'order-service', req: { method: 'GET' }, res: { statusCode: 200 } });
    expect(JSON.stringify(request)).not.toContain('console-check');
    const exited = new Promise((done) => npm.once('exit', done));
    npm.kill('SIGTERM');
    await exited;
  }, 200_000);

  it('a service whose parent dies without passing the signal on (sh -c, as nest start runs it) stops', async () => {
    const natsPort = await freePort();
    const nats: NatsServerProcess = await startNatsServer({ port: natsPort, storeDir: join(dataDir, 'nats') });
    try {
      const port = await freePort();
      const shell = spawn('sh', ['-c', `${process.execPath} dist/apps/payment-service/main.js`], {
        cwd: REPO_ROOT,
        env: { ...process.env, PORT: String(port), NATS_URL: nats.url, DATABASE_URL: database.url, LOG_LEVEL: 'warn', OTEL_TRACES_EXPORTER: 'none' },
        stdio: 'ignore',
      });
      await waitForHttp(`http://127.0.0.1:${port}/health/live`, { timeoutMs: 60_000 });
      seen = [shell.pid!, ...descendants(shell.pid!)];
      shell.kill('SIGTERM'); // dash does not pass it on: the service is re-parented
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && (seen.some(alive) || (await canConnect('127.0.0.1', port, 200)))) await sleep(250);
      expect(seen.filter(alive)).toEqual([]);
      expect(await canConnect('127.0.0.1', port, 200)).toBe(false);
    } finally {
      await nats.stop();
    }
  }, 120_000);
});
