/**
 * Issue 14, statically: the permissions of docker/nats/nats-server.conf follow from the code (the subjects each
 * service publishes and handles, the durable names, the inbox prefix), the Helm values grant exactly the same, and
 * compose and the Kubernetes manifests give every service its own user. The behaviour against a real server is in
 * bus-permissions.int-spec.ts and bus-permissions.e2e-spec.ts.
 */
import { join } from 'node:path';

import { Streams, type Subject } from '@app/contracts';
import { validateEnv } from '@app/runtime';
import { PATTERN_METADATA } from '@nestjs/microservices/constants';

import { InventoryEventsController } from '../../apps/inventory-service/src/stock/inventory-events.controller';
import { NotificationEventsController } from '../../apps/notification-service/src/notifications/notification-events.controller';
import { OrderServiceEnv } from '../../apps/order-service/src/config/order.env';
import { OrderEventsController } from '../../apps/order-service/src/orders/order-events.controller';
import { PaymentEventsController } from '../../apps/payment-service/src/payments/payment-events.controller';
import { EventCatalog } from '../../libs/contracts/src/events/event-catalog';
import { ALL_SUBJECTS, streamForSubject } from '../../libs/contracts/src/subjects';
import { DLQ_STREAM_NAME } from '../../libs/messaging/src/messaging.constants';
import { durableName, inboxPrefixFor } from '../../libs/messaging/src/messaging.options';
import { composeEnvironment, type Doc, DOCKER_DIR, K8S_DIR, readText, readYaml, readYamlDocuments } from '../deploy/manifests';
import { type ServiceName, SERVICES } from '../support/stack';
import { BUS_USERS, NATS_CONFIG, passwordVariable } from './support/bus-users';
import { type ConfValue, parseNatsConf } from './support/nats-conf';

interface Permissions {
  publish: { allow: string[] };
  subscribe: { allow: string[]; deny?: string[] };
}
interface ConfUser {
  user: string;
  password: string;
  permissions: Permissions;
}

const conf = parseNatsConf(readText(NATS_CONFIG)) as { authorization: { users: ConfUser[] } } & Record<string, ConfValue>;
const userOf = (name: string) => conf.authorization.users.find((u) => u.user === name)!;

const HANDLERS: Record<ServiceName, new (...args: never[]) => object> = {
  'order-service': OrderEventsController,
  'inventory-service': InventoryEventsController,
  'payment-service': PaymentEventsController,
  'notification-service': NotificationEventsController,
};

/** The subjects a controller's `@EventPattern` handlers take: each one is a durable consumer of the service. */
function handledSubjects(controller: new (...args: never[]) => object): string[] {
  const proto = controller.prototype as Record<string, unknown>;
  return Object.getOwnPropertyNames(proto).flatMap(
    (key) => (Reflect.getMetadata(PATTERN_METADATA, proto[key] as object) as string[] | undefined) ?? [],
  );
}

/** NATS subject matching (`*` one token, `>` one or more at the end). */
function matches(filter: string, subject: string): boolean {
  const f = filter.split('.');
  const s = subject.split('.');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '>') return s.length > i;
    if (i >= s.length || (f[i] !== '*' && f[i] !== s[i])) return false;
  }
  return f.length === s.length;
}

const consumed = (service: ServiceName) => ALL_SUBJECTS.filter((subject) => EventCatalog[subject].consumers.includes(service));
const durablesOf = (service: ServiceName) =>
  consumed(service).map((subject) => ({ subject, stream: streamForSubject(subject)!.name, durable: durableName(service, subject) }));
const ownedStream = (service: ServiceName) =>
  Streams.find((stream) =>
    ALL_SUBJECTS.some((subject) => EventCatalog[subject].producer === service && streamForSubject(subject)?.name === stream.name),
  )!;

/** What a service needs and nothing more, derived from the code (the comments of the config file say why). */
function expectedPermissions(service: ServiceName): Permissions {
  const own = ownedStream(service);
  const durables = durablesOf(service);
  return {
    publish: {
      allow: [
        ...own.subjects,
        `dlq.${service}.>`,
        '$JS.API.INFO',
        '$JS.API.STREAM.NAMES',
        ...['INFO', 'CREATE', 'UPDATE'].map((action) => `$JS.API.STREAM.${action}.${own.name}`),
        `$JS.API.STREAM.INFO.${DLQ_STREAM_NAME}`,
        `$JS.API.STREAM.CREATE.${DLQ_STREAM_NAME}`,
        ...[...new Set(durables.map((d) => d.stream))].map((stream) => `$JS.API.STREAM.MSG.GET.${stream}`),
        ...durables.flatMap((d) => [
          `$JS.API.CONSUMER.CREATE.${d.stream}.${d.durable}.${d.subject}`,
          `$JS.API.CONSUMER.INFO.${d.stream}.${d.durable}`,
          `$JS.API.CONSUMER.MSG.NEXT.${d.stream}.${d.durable}`,
          `$JS.ACK.${d.stream}.${d.durable}.>`,
        ]),
      ].sort(),
    },
    subscribe: {
      allow: [`${inboxPrefixFor(service)}.>`, ...durables.map((d) => `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${d.stream}.${d.durable}`)].sort(),
      deny: SERVICES.filter(({ name }) => name !== service)
        .map(({ name }) => `${inboxPrefixFor(name)}.>`)
        .sort(),
    },
  };
}

const sorted = (p: Permissions): Permissions => ({
  publish: { allow: [...p.publish.allow].sort() },
  subscribe: { allow: [...p.subscribe.allow].sort(), deny: [...(p.subscribe.deny ?? [])].sort() },
});

describe('docker/nats/nats-server.conf', () => {
  it('has exactly the users order-service, inventory-service, payment-service, notification-service and ops, passwords from $<USER>_NATS_PASSWORD', () => {
    expect(conf.authorization.users.map((u) => u.user)).toEqual([...BUS_USERS]);
    for (const user of BUS_USERS) expect(userOf(user).password).toBe(`$${passwordVariable(user)}`);
  });

  it.each(SERVICES.map(({ name }) => [name]))('the event catalog names every subject %s handles (the permissions are derived from it)', (service) => {
    expect(handledSubjects(HANDLERS[service]).sort()).toEqual([...consumed(service)].sort());
  });

  it.each(SERVICES.map(({ name }) => [name]))('%s gets exactly its own events, dead letters, stream, durables and inbox', (service) => {
    expect(sorted(userOf(service).permissions)).toEqual(expectedPermissions(service));
  });

  it('lets no service publish an event another service owns', () => {
    for (const { name } of SERVICES) {
      const foreign = ALL_SUBJECTS.filter((subject: Subject) => EventCatalog[subject].producer !== name);
      for (const subject of foreign) {
        expect({ user: name, subject, allowed: userOf(name).permissions.publish.allow.some((f) => matches(f, subject)) }).toEqual({
          user: name,
          subject,
          allowed: false,
        });
      }
    }
  });

  describe('ops', () => {
    const ops = userOf('ops').permissions;
    const can = (subject: string) => ops.publish.allow.some((f) => matches(f, subject));

    it('may list and read every stream and its consumers', () => {
      for (const subject of ['$JS.API.INFO', '$JS.API.STREAM.NAMES', '$JS.API.STREAM.LIST'])
        expect({ subject, allowed: can(subject) }).toEqual({ subject, allowed: true });
      for (const stream of [...Streams.map((s) => s.name), DLQ_STREAM_NAME]) {
        for (const api of ['STREAM.INFO', 'STREAM.MSG.GET', 'CONSUMER.LIST', 'CONSUMER.NAMES']) {
          expect({ subject: `$JS.API.${api}.${stream}`, allowed: can(`$JS.API.${api}.${stream}`) }).toEqual({
            subject: `$JS.API.${api}.${stream}`,
            allowed: true,
          });
        }
      }
    });

    it('manages the DLQ and may republish saga events (npm run dlq replay)', () => {
      for (const api of ['CREATE', 'UPDATE', 'PURGE', 'MSG.DELETE', 'DELETE'])
        expect({ api, allowed: can(`$JS.API.STREAM.${api}.${DLQ_STREAM_NAME}`) }).toEqual({ api, allowed: true });
      for (const subject of ALL_SUBJECTS) expect({ subject, allowed: can(subject) }).toEqual({ subject, allowed: true });
    });

    it("may not change, purge or delete a service's stream, nor delete, pull from or ack for its durables", () => {
      for (const stream of Streams) {
        for (const api of ['CREATE', 'UPDATE', 'PURGE', 'MSG.DELETE', 'DELETE']) {
          expect({ subject: `$JS.API.STREAM.${api}.${stream.name}`, allowed: can(`$JS.API.STREAM.${api}.${stream.name}`) }).toEqual({
            subject: `$JS.API.STREAM.${api}.${stream.name}`,
            allowed: false,
          });
        }
      }
      for (const { name } of SERVICES) {
        for (const d of durablesOf(name)) {
          for (const subject of [
            `$JS.API.CONSUMER.CREATE.${d.stream}.${d.durable}.${d.subject}`,
            `$JS.API.CONSUMER.DURABLE.CREATE.${d.stream}.${d.durable}`,
            `$JS.API.CONSUMER.DELETE.${d.stream}.${d.durable}`,
            `$JS.API.CONSUMER.MSG.NEXT.${d.stream}.${d.durable}`,
            `$JS.ACK.${d.stream}.${d.durable}.1.1.1.1.1`,
          ]) {
            expect({ subject, allowed: can(subject) }).toEqual({ subject, allowed: false });
          }
        }
      }
    });

    it('may not subscribe to any service inbox, nor publish to one', () => {
      for (const { name } of SERVICES) {
        expect(ops.subscribe.deny).toContain(`${inboxPrefixFor(name)}.>`);
        expect(can(`${inboxPrefixFor(name)}.x`)).toBe(false);
      }
    });
  });
});

describe('NATS_INBOX_PREFIX', () => {
  it('takes a subject without wildcards and refuses anything else', () => {
    expect(validateEnv(OrderServiceEnv, { NATS_INBOX_PREFIX: '_INBOX_order-service' }).NATS_INBOX_PREFIX).toBe('_INBOX_order-service');
    for (const bad of ['_INBOX.*', '_INBOX.>', 'a..b', 'has space'])
      expect(() => validateEnv(OrderServiceEnv, { NATS_INBOX_PREFIX: bad })).toThrow(/NATS_INBOX_PREFIX/);
  });
});

describe('docker/k8s/nats-values.yaml', () => {
  const values = readYaml(join(K8S_DIR, 'nats-values.yaml'));

  it('gives the NATS servers the same users and permissions as docker/nats/nats-server.conf', () => {
    const users = values.config?.merge?.authorization?.users as ConfUser[];
    expect(users.map((u) => ({ ...u, password: u.password.replace(/^<<\s*(.*?)\s*>>$/, '$1') }))).toEqual(conf.authorization.users);
  });

  it('fills every password variable from the Secret nats-users, which the example shows', () => {
    const secret = readYamlDocuments(join(K8S_DIR, 'secret.example.yaml')).find((d) => d.kind === 'Secret' && d.metadata?.name === 'nats-users');
    for (const user of BUS_USERS) {
      const variable = passwordVariable(user);
      expect(values.container?.env?.[variable]?.valueFrom?.secretKeyRef).toEqual({ name: 'nats-users', key: variable });
      expect(typeof secret?.stringData?.[variable]).toBe('string');
    }
  });
});

describe('every service on its own NATS user', () => {
  const compose = readYaml(join(DOCKER_DIR, 'compose.yaml'));
  const nats = compose.services.nats as Doc;

  it('compose runs NATS with docker/nats/nats-server.conf and the five passwords', () => {
    const command = nats.command as string[];
    const configPath = command[command.indexOf('-c') + 1];
    const mount = (nats.volumes as string[]).map((v) => v.split(':')).find(([, target]) => target === configPath);
    expect(mount && join(DOCKER_DIR, mount[0])).toBe(NATS_CONFIG);
    for (const user of BUS_USERS) expect(composeEnvironment(nats.environment)[passwordVariable(user)]).toContain(`\${${passwordVariable(user)}`);
  });

  it.each(SERVICES.map(({ name }) => [name]))('%s: compose and its Deployment set NATS_USER and the password NATS checks', (name) => {
    const service = name;
    const env = composeEnvironment((compose.services[service] as Doc).environment);
    expect(env.NATS_USER).toBe(service);
    expect(env.NATS_PASSWORD).toBe(composeEnvironment(nats.environment)[passwordVariable(service)]);

    const deployment = readYamlDocuments(join(K8S_DIR, `${service}.yaml`)).find((d) => d.kind === 'Deployment')!;
    const container = (deployment.spec.template.spec.containers as Doc[]).find((c) => c.name === service)!;
    const variable = (key: string) => (container.env as Doc[]).find((e) => e.name === key);
    expect(variable('NATS_USER')?.value).toBe(service);
    expect(variable('NATS_PASSWORD')?.valueFrom?.secretKeyRef).toEqual({ name: 'nats-users', key: passwordVariable(service) });
  });
});
