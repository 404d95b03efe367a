import { randomUUID } from 'node:crypto';
import { connect as tcpConnect, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import { Client } from 'pg';

import { createTestDatabase, freePort, PG_ADMIN_URL, SERVICES, type TestDatabase } from '../support/stack';
import { eventually, type RunningSystem, startSystem } from '../support/system';
import {
  type Accepted,
  acceptedGate,
  assertAudit,
  auditOrders,
  DECLINE_ABOVE,
  dlqCount,
  driveOrders,
  exitedServices,
  FAULT_ENV,
  printSummary,
  scenario,
  step,
  stockProblems,
} from './fault-support';

/**
 * PostgreSQL goes away under load. The shared server cannot be stopped, so the outage is simulated two ways:
 *  1. for the test's own database: new connections refused (`ALLOW_CONNECTIONS false`, SQLSTATE 55000) and every open
 *     one terminated (`pg_terminate_backend`, 57P01);
 *  2. through a TCP proxy of the test's own between the services and PostgreSQL: the proxy closes every connection
 *     and stops listening (ECONNREFUSED), which is what the services see when the server host is down.
 * Either way no service may die, handlers nak and retry, the API answers 503 problem+json quickly to every probe
 * (not a hang, not 500, not an order accepted without its database), every service's readiness is 503 naming the
 * database, and once the database is back every accepted order completes exactly once.
 */
const env = FAULT_ENV;
const serviceEnv = { 'payment-service': { PAYMENT_DECLINE_ABOVE: String(DECLINE_ABOVE) } };

interface Probe {
  what: string;
  status: number;
  contentType: string;
  ms: number;
  body: string;
}

async function probe(what: string, init: () => Promise<Response>): Promise<Probe> {
  const started = Date.now();
  try {
    const response = await init();
    return {
      what,
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      ms: Date.now() - started,
      body: (await response.text()).slice(0, 2000),
    };
  } catch (error) {
    return { what, status: 0, contentType: '', ms: Date.now() - started, body: String((error as Error).message) };
  }
}

/** A probe order posted during the outage; if it is ever accepted it is audited like the others. */
function probeOrder(n: number): Accepted['plan'] {
  return {
    key: randomUUID(),
    sku: 'SKU-003',
    quantity: 1,
    declined: false,
    body: { customerId: `pg-probe-${n}`, currency: 'EUR', items: [{ sku: 'SKU-003', quantity: 1, unitPrice: 1 }] },
  };
}

/** Readiness says "not ready because of the database": 503 with the database check down. */
function databaseDown(p: Probe): boolean {
  if (p.status !== 503) return false;
  try {
    return (JSON.parse(p.body) as { error?: { database?: { status?: string } } }).error?.database?.status === 'down';
  } catch {
    return false;
  }
}

/** One line per distinct answer, with how often and the slowest time. */
function report(list: Probe[]): string {
  const groups = new Map<string, { n: number; ms: number }>();
  for (const p of list) {
    const key = `${p.what} -> ${p.status} (${p.contentType}) ${p.body.slice(0, 300).replace(/"instance":"[^"]*"/, '"instance":…')}`;
    const g = groups.get(key) ?? { n: 0, ms: 0 };
    groups.set(key, { n: g.n + 1, ms: Math.max(g.ms, p.ms) });
  }
  return [...groups].map(([key, g]) => `${g.n}x ${key} [slowest ${g.ms} ms]`).join('\n');
}

/**
 * The scenario body shared by both simulations. `audit` is the system as seen by the audit (its database URL must
 * reach PostgreSQL directly, not through the proxy).
 */
async function outageUnderLoad(
  name: string,
  system: RunningSystem,
  audit: RunningSystem,
  cut: () => Promise<void>,
  keepCut: () => Promise<void>,
  restore: () => Promise<void>,
) {
  await scenario(name, async (signal) => {
    const dlqBefore = await dlqCount(system.natsUrl);
    const api = system.url('order-service');
    const known = (await driveOrders(api, 1, { tag: 'pg-known' })).accepted[0].id;
    const gate = acceptedGate(8);
    const stream = driveOrders(api, 30, { tag: 'pg', concurrency: 2, pauseMs: 100, onAccepted: gate.onAccepted, signal });
    await gate.reached;

    await cut();
    step(`${name}: database cut`);
    const probes: Probe[] = [];
    const probeOrders: Accepted[] = [];
    const outageEnds = Date.now() + 5000;
    while (Date.now() < outageEnds) {
      const plan = probeOrder(probeOrders.length + probes.length);
      const posted = await probe('POST /orders', () =>
        fetch(`${api}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': plan.key },
          body: JSON.stringify(plan.body),
          signal: AbortSignal.timeout(15_000),
        }),
      );
      probes.push(posted);
      if (posted.status === 201) probeOrders.push({ id: (JSON.parse(posted.body) as { id: string }).id, plan });
      probes.push(await probe('GET /orders/:id', () => fetch(`${api}/orders/${known}`, { signal: AbortSignal.timeout(15_000) })));
      // Every service's readiness, not only the API's: each one uses the database.
      probes.push(
        ...(await Promise.all(
          SERVICES.map(({ name: service }) =>
            probe(`GET ${service} /health/ready`, () => fetch(`${system.url(service)}/health/ready`, { signal: AbortSignal.timeout(15_000) })),
          ),
        )),
      );
      await keepCut();
      await sleep(300);
    }
    await restore();
    step(`${name}: database back after ${probes.length} probes`);
    const crashed = exitedServices(system);
    if (crashed.length > 0) {
      // Nothing restarts them here (an orchestrator would): report why they died instead of waiting for nothing.
      const why = crashed.map((service) => {
        const p = system.services.get(service as never)!;
        return `--- ${service} exited (${String(p.process.exitCode ?? p.process.signalCode)}):\n${p.output().slice(-2500)}`;
      });
      throw new Error(`${crashed.length} service(s) died during the database outage (${crashed.join(', ')}):\n${why.join('\n')}`);
    }

    // Every probe was sent after the cut had taken effect (all connections gone, new ones refused), so every API
    // answer must be 503 problem+json, promptly: an order accepted now was not stored where it should have been.
    // Should one be accepted anyway, it is audited below with the others.
    const problems: string[] = [];
    const apiProbes = probes.filter((p) => !p.what.endsWith('/health/ready'));
    const bad = apiProbes.filter((p) => p.status !== 503 || !/application\/problem\+json/.test(p.contentType));
    if (bad.length) problems.push(`API answers other than 503 problem+json during the outage:\n${report(bad)}`);
    const slow = apiProbes.filter((p) => p.ms > 10_000);
    if (slow.length) problems.push(`API hung during the outage:\n${report(slow)}`);
    for (const { name: service } of SERVICES) {
      const ready = probes.filter((p) => p.what === `GET ${service} /health/ready`);
      // order-service's problem filter turns readiness' 503 into a plain problem document: no details to name the
      // database there, so a 503 is all that can be asked of it.
      const down = service === 'order-service' ? (p: Probe) => p.status === 503 : databaseDown;
      if (!ready.some(down))
        problems.push(`${service} readiness never reported 503${service === 'order-service' ? '' : ' with the database down'}:\n${report(ready)}`);
    }

    for (const { name: service } of SERVICES) {
      await eventually(
        async () => ((await fetch(`${system.url(service)}/health/ready`).catch(() => undefined))?.status === 200 ? true : undefined),
        60_000,
        () => `${service} not ready after the outage\n${system.logs()}`,
      ).catch((e: Error) => problems.push(e.message.slice(0, 2000)));
    }
    step(`${name}: all ready after the outage`);
    const { accepted } = await stream;
    if (accepted.length !== 30) problems.push(`only ${accepted.length}/30 orders accepted`);
    const result = await auditOrders(audit, [...accepted, ...probeOrders], 120_000);
    step(`${name}: audited ${JSON.stringify({ ...result, problems: result.problems.length })}`);
    problems.push(...(await stockProblems(audit)), ...exitedServices(system).map((service) => `${service} exited`));
    const dlq = (await dlqCount(system.natsUrl)) - dlqBefore;
    if (dlq !== 0) problems.push(`${dlq} dead letter(s) written`);
    return assertAudit(result, dlq, problems);
  });
}

afterAll(() => printSummary());

describe('fault: PostgreSQL refuses connections and kills open ones (ALLOW_CONNECTIONS false)', () => {
  let system: RunningSystem;
  let admin: Client;

  beforeAll(async () => {
    system = await startSystem({ env, serviceEnv });
    admin = new Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
  }, 180_000);

  afterAll(async () => {
    if (admin && system) await admin.query(`ALTER DATABASE "${system.database.name}" WITH ALLOW_CONNECTIONS true`).catch(() => undefined);
    await admin?.end().catch(() => undefined);
    await system?.stop();
  }, 60_000);

  const terminate = async () => {
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [
      system.database.name,
    ]);
  };

  it('orders keep their promise through the outage', async () => {
    await outageUnderLoad(
      'PostgreSQL refuses connections (5 s)',
      system,
      system,
      async () => {
        await admin.query(`ALTER DATABASE "${system.database.name}" WITH ALLOW_CONNECTIONS false`);
        await terminate();
      },
      terminate,
      async () => void (await admin.query(`ALTER DATABASE "${system.database.name}" WITH ALLOW_CONNECTIONS true`)),
    );
  }, 300_000);
});

/** A TCP proxy to PostgreSQL the test can cut: close every connection and refuse new ones, then listen again. */
class CuttableProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = tcpConnect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    const closed = server ? new Promise<void>((r) => server.close(() => r())) : Promise.resolve();
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  /** Kills connections opened since the cut (none: nothing listens). */
  async keepCut(): Promise<void> {
    for (const s of this.sockets) s.destroy();
  }
}

describe('fault: PostgreSQL unreachable (TCP proxy cut: connections reset, new ones refused)', () => {
  let system: RunningSystem;
  let database: TestDatabase;
  let proxy: CuttableProxy;

  beforeAll(async () => {
    database = await createTestDatabase('pgproxy');
    const direct = new URL(database.url);
    proxy = new CuttableProxy(await freePort(), { host: direct.hostname, port: Number(direct.port || 5432) });
    await proxy.open();
    const viaProxy = new URL(database.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    system = await startSystem({ env: { ...env, DATABASE_URL: viaProxy.toString() }, serviceEnv });
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
    await proxy?.cut();
    await database?.drop();
  }, 60_000);

  it('orders keep their promise through the outage', async () => {
    // The audit reads PostgreSQL directly, not through the proxy.
    const audit = Object.create(system, { database: { value: database } }) as RunningSystem;
    await outageUnderLoad(
      'PostgreSQL unreachable (5 s)',
      system,
      audit,
      () => proxy.cut(),
      () => proxy.keepCut(),
      () => proxy.open(),
    );
  }, 300_000);
});
