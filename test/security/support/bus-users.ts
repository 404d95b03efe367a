/**
 * The NATS users of docker/nats/nats-server.conf for tests: fresh passwords per run, the server environment that
 * carries them, each service's NATS_USER / NATS_PASSWORD, and a nats-server of the test's own running the file.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { connect, type ConnectionOptions, type NatsConnection } from 'nats';

import { inboxPrefixFor } from '../../../libs/messaging/src/messaging.options';
import { freePort, type NatsServerProcess, REPO_ROOT, type ServiceName, SERVICES, startNatsServer } from '../../support/stack';

/** The configuration file under test. */
export const NATS_CONFIG = join(REPO_ROOT, 'docker', 'nats', 'nats-server.conf');

export const BUS_USERS = ['order-service', 'inventory-service', 'payment-service', 'notification-service', 'ops'] as const;
export type BusUser = (typeof BUS_USERS)[number];

/** The server-side variable with a user's password: `ORDER_SERVICE_NATS_PASSWORD`, ..., `OPS_NATS_PASSWORD`. */
export function passwordVariable(user: BusUser): string {
  return `${user.replace(/-/g, '_').toUpperCase()}_NATS_PASSWORD`;
}

/** Random passwords, a letter first (nats-server reads an environment value like a config value: no bare numbers). */
export function testPasswords(): Record<BusUser, string> {
  return Object.fromEntries(BUS_USERS.map((user) => [user, `p${randomBytes(12).toString('hex')}`])) as Record<BusUser, string>;
}

/** The environment a nats-server running NATS_CONFIG needs. */
export function serverEnv(passwords: Record<BusUser, string>): Record<string, string> {
  return Object.fromEntries(BUS_USERS.map((user) => [passwordVariable(user), passwords[user]]));
}

/** Each service on its own user, as `startSystem({ serviceEnv })` takes it. */
export function serviceEnv(passwords: Record<BusUser, string>): Record<ServiceName, Record<string, string>> {
  const entries = SERVICES.map(({ name }): [ServiceName, Record<string, string>] => [name, { NATS_USER: name, NATS_PASSWORD: passwords[name] }]);
  return Object.fromEntries(entries) as Record<ServiceName, Record<string, string>>;
}

/** A nats-server of the test's own running NATS_CONFIG, and connections as any of its users. */
export interface SecuredNats {
  server: NatsServerProcess;
  passwords: Record<BusUser, string>;
  /** Connects as `user` with the inbox prefix the services use (`_INBOX_<service>`; ops keeps the client default). */
  connectAs(user: BusUser, options?: Partial<ConnectionOptions>): Promise<NatsConnection>;
  stop(): Promise<void>;
}

export async function startSecuredNats(): Promise<SecuredNats> {
  const passwords = testPasswords();
  const storeDir = mkdtempSync(join(tmpdir(), 'bus-permissions-'));
  const server = await startNatsServer({ port: await freePort(), storeDir, config: NATS_CONFIG, env: serverEnv(passwords) });
  const connections: NatsConnection[] = [];
  return {
    server,
    passwords,
    connectAs: async (user, options = {}) => {
      const nc = await connect({
        servers: server.url,
        name: `test-as-${user}`,
        user,
        pass: passwords[user],
        inboxPrefix: user === 'ops' ? undefined : inboxPrefixFor(user),
        reconnect: false,
        ...options,
      });
      connections.push(nc);
      return nc;
    },
    stop: async () => {
      await Promise.all(connections.map((nc) => nc.close().catch(() => undefined)));
      await server.stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
