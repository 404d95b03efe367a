/**
 * `npm start`: builds the apps if needed, makes sure a NATS server with JetStream answers at NATS_URL (starting a
 * local one when nats-server is installed), then runs the four services with prefixed, coloured output.
 * Ctrl-C or SIGTERM stops everything it started. `--watch` (npm run start:dev) runs each app in Nest's watch mode.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { connect } from 'nats';

import { devAuthEnv, ensureDevKeyPair } from './dev-auth';
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
  stopProcess,
} from './stack';

const COLOURS = ['\x1b[36m', '\x1b[35m', '\x1b[33m', '\x1b[32m'];
const RESET = '\x1b[0m';
const tty = process.stdout.isTTY === true;
const watch = process.argv.includes('--watch');

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
  return startNatsServer({ host, port, storeDir });
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

  if (!watch) buildIfNeeded(say);
  const nats = await ensureNats(natsUrl, dataDir);
  const authEnv = localAuthEnv(dataDir);

  const children = SERVICES.map(({ name }, index) => {
    const [command, args] = watch
      ? [join(REPO_ROOT, 'node_modules', '.bin', 'nest'), ['start', name, '--watch']]
      : [process.execPath, [join(REPO_ROOT, 'dist', 'apps', name, 'main.js')]];
    const child = spawn(command, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, ...authEnv, NATS_URL: natsUrl, DATA_DIR: dataDir, LOG_FORMAT: process.env.LOG_FORMAT ?? (tty ? 'pretty' : 'json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const write = prefixer(name, COLOURS[index % COLOURS.length]);
    child.stdout?.on('data', write);
    child.stderr?.on('data', write);
    return { name, child };
  });

  let stopping = false;
  const stopAll = async (reason: string, exitCode: number) => {
    if (stopping) return;
    stopping = true;
    say(`${reason}: stopping the services...`);
    await Promise.all(children.map(({ child }) => stopProcess(child, 'SIGTERM', 20_000)));
    if (nats) {
      say('stopping the nats-server started for this run');
      await nats.stop();
    }
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
  say(`services starting: ${SERVICES.map((s) => `${s.name} :${s.port}`).join(', ')}`);
}

main().catch((error: unknown) => {
  say(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
