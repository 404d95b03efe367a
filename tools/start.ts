/**
 * `npm start`: builds the apps if needed, makes sure a NATS server with JetStream answers at NATS_URL (starting a
 * local one when nats-server is installed), then runs the four services with prefixed, coloured output and prints
 * one line when all four are ready. `--watch` (npm run start:dev) runs each app in Nest's watch mode.
 *
 * Stopping: npm runs this file directly (`exec` in the script; npm forwards SIGINT and SIGTERM to it), and SIGINT,
 * SIGTERM, SIGHUP or the exit of its parent stop everything it started, each child's whole process group, within
 * STOP_DEADLINE_MS; a second signal kills at once. The services also stop when this process dies (STOP_WITH_PARENT).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { connect } from 'nats';

import { devAuthEnv, ensureDevKeyPair } from './dev-auth';
import { killGroups, stopGroup } from './process-group';
import {
  buildIfNeeded,
  canConnect,
  DEFAULT_NATS_URL,
  findNatsServerBinary,
  firstNatsServer,
  type NatsServerProcess,
  REPO_ROOT,
  SERVICES,
  startNatsServer,
} from './stack';

const COLOURS = ['\x1b[36m', '\x1b[35m', '\x1b[33m', '\x1b[32m'];
const RESET = '\x1b[0m';
const tty = process.stdout.isTTY === true;
const watch = process.argv.includes('--watch');
/** Each service's own graceful-shutdown bound (SHUTDOWN_TIMEOUT_MS) when .env does not set one. */
const SERVICE_SHUTDOWN_MS = 10_000;
/** After the signal, everything started here is gone by then: services and their groups, then nats-server. */
const STOP_DEADLINE_MS = 14_000;
const NATS_STOP_MS = 1_500;
/** Units per seeded SKU for the development stack, unless INVENTORY_SEED_STOCK (environment or .env) says otherwise. */
const DEV_SEED_STOCK = 1_000_000;

function say(message: string): void {
  process.stdout.write(`${tty ? '\x1b[1m' : ''}[start]${tty ? RESET : ''} ${message}\n`);
}

function prefixer(label: string, colour: string): (chunk: Buffer) => void {
  const width = Math.max(...SERVICES.map((s) => s.name.length));
  const prefix = tty ? `${colour}${label.padEnd(width)} |${RESET} ` : `${label.padEnd(width)} | `;
  let partial = '';
  return (chunk) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) process.stdout.write(prefix + line + '\n');
  };
}

/** Whether the first NATS server of the list runs JetStream; undefined when it cannot be asked (auth, TLS...). */
async function natsHasJetStream(natsUrl: string): Promise<boolean | undefined> {
  try {
    const nc = await connect({
      servers: natsUrl.split(',')[0].trim(),
      name: 'npm-start-probe',
      timeout: 3000,
      reconnect: false,
      token: process.env.NATS_TOKEN || undefined,
      user: process.env.NATS_USER || undefined,
      pass: process.env.NATS_PASSWORD || undefined,
    });
    const enabled = nc.info?.jetstream === true;
    await nc.close();
    return enabled;
  } catch {
    return undefined;
  }
}

async function ensureNats(natsUrl: string, dataDir: string): Promise<NatsServerProcess | undefined> {
  const { host, port } = firstNatsServer(natsUrl);
  if (await canConnect(host, port)) {
    const jetstream = await natsHasJetStream(natsUrl);
    if (jetstream === false) {
      say(`the NATS server at ${host}:${port} has JetStream disabled; the services need it. Either:
    restart that server with -js (Debian's nats-server service runs without it: sudo systemctl disable --now nats-server,
      then npm start runs its own with JetStream), or
    point NATS_URL at a server with JetStream enabled.`);
      process.exit(1);
    }
    say(`using the NATS server at ${host}:${port}${jetstream === undefined ? ' (could not check JetStream: the services will report it)' : ''}`);
    return undefined;
  }
  if (!findNatsServerBinary()) {
    say(`no NATS server answers at ${host}:${port}, and nats-server is not installed. Get one with:
    sudo apt-get install nats-server && sudo systemctl disable --now nats-server
                                     (Debian/Ubuntu; its own service runs without JetStream)
    brew install nats-server         (macOS)
    docker compose -f docker/compose.yaml up nats
  or point NATS_URL at a running server with JetStream enabled.`);
    process.exit(1);
  }
  const storeDir = resolve(REPO_ROOT, dataDir, 'nats');
  say(`starting nats-server with JetStream on ${host}:${port} (store: ${storeDir})`);
  return startNatsServer({ host, port, storeDir, detached: true });
}

/** The ports of the four services: their defaults, or PORT_BASE, PORT_BASE+1, ... when it is set. */
function servicePorts(): number[] {
  const base = process.env.PORT_BASE;
  if (!base) return SERVICES.map((s) => s.port);
  const first = Number(base);
  if (!Number.isInteger(first) || first < 1 || first > 65532) {
    say(`PORT_BASE must be an integer between 1 and 65532 (got "${base}")`);
    process.exit(2);
  }
  return SERVICES.map((_, index) => first + index);
}

/** Polls every readiness endpoint until all answer 200 (or `stopped()`), then prints the one line to start from. */
async function announceWhenReady(ports: number[], stopped: () => boolean): Promise<void> {
  const ready = new Set<number>();
  while (!stopped() && ready.size < ports.length) {
    for (const port of ports.filter((p) => !ready.has(p))) {
      const status = await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(1000) })
        .then((response) => response.status)
        .catch(() => 0);
      if (status === 200) ready.add(port);
    }
    if (ready.size < ports.length) await sleep(500);
  }
  if (stopped()) return;
  const body = '{"customerId":"c-1","currency":"EUR","items":[{"sku":"SKU-001","quantity":2,"unitPrice":1250}]}';
  say(
    `all four services ready: try curl -s localhost:${ports[0]}/orders -H "authorization: Bearer $(npm run --silent token -- c-1)" ` +
      `-H 'content-type: application/json' -d '${body}' ` +
      `(API docs: http://localhost:${ports[0]}/docs; Ctrl-C stops everything)`,
  );
}

/**
 * Authentication for order-service: what the environment configures, else the development key pair under
 * DATA_DIR/auth (created on the first run), whose tokens `npm run token` prints.
 */
function localAuthEnv(dataDir: string): Record<string, string> {
  if (process.env.AUTH_DISABLED === 'true' || process.env.AUTH_JWT_PUBLIC_KEY_FILE || process.env.AUTH_JWKS_URL) return {};
  const keys = ensureDevKeyPair(dataDir, REPO_ROOT);
  say(`${keys.created ? 'created' : 'using'} the development signing key in ${keys.dir}; get a token with: npm run token -- <customerId>`);
  return devAuthEnv(keys);
}

async function main(): Promise<void> {
  if (existsSync(join(REPO_ROOT, '.env'))) process.loadEnvFile(join(REPO_ROOT, '.env'));
  const natsUrl = process.env.NATS_URL || DEFAULT_NATS_URL;
  const dataDir = process.env.DATA_DIR || '.data';
  const ports = servicePorts();

  if (!watch) buildIfNeeded(say);
  const nats = await ensureNats(natsUrl, dataDir);
  const authEnv = localAuthEnv(dataDir);

  const children = SERVICES.map(({ name }, index) => {
    const [command, args] = watch
      ? [join(REPO_ROOT, 'node_modules', '.bin', 'nest'), ['start', name, '--watch']]
      : [process.execPath, [join(REPO_ROOT, 'dist', 'apps', name, 'main.js')]];
    const child = spawn(command, args, {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        ...authEnv,
        NATS_URL: natsUrl,
        DATA_DIR: dataDir,
        PORT: String(ports[index]),
        SHUTDOWN_TIMEOUT_MS: process.env.SHUTDOWN_TIMEOUT_MS ?? String(SERVICE_SHUTDOWN_MS),
        // A development warehouse that `npm run load` does not empty (seeded on the first start of an empty DATA_DIR).
        INVENTORY_SEED_STOCK: process.env.INVENTORY_SEED_STOCK ?? String(DEV_SEED_STOCK),
        LOG_FORMAT: process.env.LOG_FORMAT ?? (tty ? 'pretty' : 'json'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // A group of its own: stopping it reaches what it started (nest's app and type-checkers under --watch).
      detached: true,
    });
    const write = prefixer(name, COLOURS[index % COLOURS.length]);
    child.stdout?.on('data', write);
    child.stderr?.on('data', write);
    return { name, child };
  });

  let stopping = false;
  let stoppingSince = 0;
  const killEverything = () => {
    killGroups([...children.map(({ child }) => child), ...(nats ? [nats.process] : [])]);
  };
  const stopAll = async (reason: string, exitCode: number) => {
    if (stopping) {
      // A terminal's Ctrl-C reaches this process twice, from the terminal and forwarded by npm: not a second press.
      if (Date.now() - stoppingSince < 1000) return;
      say(`${reason} again: killing everything now`);
      killEverything();
      process.exit(exitCode || 1);
    }
    stopping = true;
    stoppingSince = Date.now();
    // The hard deadline: whatever still runs then is killed, and this process exits regardless.
    setTimeout(() => {
      say(`not stopped within ${STOP_DEADLINE_MS} ms: killing what is left`);
      killEverything();
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    say(`${reason}: stopping the services...`);
    const serviceGrace = STOP_DEADLINE_MS - NATS_STOP_MS - 1_000;
    await Promise.all(children.map(({ child }) => stopGroup(child, 'SIGTERM', serviceGrace)));
    if (nats) {
      say('stopping the nats-server started for this run');
      await stopGroup(nats.process, 'SIGTERM', NATS_STOP_MS);
    }
    say('stopped');
    process.exit(exitCode);
  };

  for (const { name, child } of children) {
    child.once('exit', (code, signal) => {
      if (stopping) return;
      say(`${name} exited (${signal ?? `code ${code}`})`);
      void stopAll(`${name} stopped`, code === 0 ? 0 : 1);
    });
  }
  process.on('SIGINT', () => void stopAll('interrupted', 0));
  process.on('SIGTERM', () => void stopAll('terminated', 0));
  process.on('SIGHUP', () => void stopAll('terminal closed', 0));
  // npm killed with SIGKILL (or a crashed IDE) cannot pass a signal on: notice that the parent is gone.
  const parent = process.ppid;
  setInterval(() => !stopping && process.ppid !== parent && void stopAll('parent process exited', 0), 500).unref();
  say(`services starting: ${SERVICES.map((s, index) => `${s.name} :${ports[index]}`).join(', ')}`);
  void announceWhenReady(ports, () => stopping);
}

main().catch((error: unknown) => {
  say(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
