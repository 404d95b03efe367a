import { setTimeout as sleep } from 'node:timers/promises';

import { connect } from 'nats';

import { type ClusterNode, type NatsCluster, startNatsCluster } from '../support/nats-cluster';
import { type ServiceName, SERVICES } from '../support/stack';
import { finalOrder, type RunningSystem, startSystem } from '../support/system';
import {
  type Accepted,
  assertAudit,
  auditOrders,
  DECLINE_ABOVE,
  dlqCount,
  driveOrders,
  FAULT_ENV,
  printSummary,
  scenario,
  sql,
  step,
  stockProblems,
} from './fault-support';
import { consumedMessages, type ReadinessRecord, watchReadiness } from './support/replicas';
import { SAGA_STREAMS, storedEvents } from './support/streams';

/** Every stream the services provision. */
const STREAMS = [...SAGA_STREAMS, 'DLQ'] as const;
const REPLICAS = 2;
const SEED_STOCK = 1000;
/** A surviving replica may be not ready for the seconds of an election and a reconnect, never longer than this. */
const MAX_NOT_READY_MS = 25_000;

const label = (name: ServiceName, replica: number) => `${name} #${replica}`;

/**
 * Issue 18: three nats-server processes clustered on free local ports, every stream at three replicas, two replicas
 * of every service on one database, orders posted to both order-service replicas throughout. Under that load: SIGKILL
 * the node leading ORDERS, SIGKILL one payment-service and one inventory-service replica, restart the node, then
 * restart the three nodes one by one with SIGTERM (a rolling upgrade). After each fault an order is placed at once
 * and the time until it is final is that fault's recovery time. Then the audit of the other fault scenarios (every
 * order final, charged once, notified once, stock conserved) and: surviving replicas were not ready only briefly,
 * each replica of each service handled part of the load, each schema was migrated by one replica.
 */
describe('fault: three-node NATS cluster and two replicas of every service', () => {
  let cluster: NatsCluster;
  let system: RunningSystem;

  beforeAll(async () => {
    cluster = await startNatsCluster(3);
    step(`NATS cluster up: ${cluster.url}`);
    system = await startSystem({
      natsUrl: cluster.url,
      replicas: REPLICAS,
      env: { ...FAULT_ENV, NATS_STREAM_REPLICAS: '3' },
      serviceEnv: {
        'payment-service': { PAYMENT_DECLINE_ABOVE: String(DECLINE_ABOVE) },
        'inventory-service': { INVENTORY_SEED_STOCK: String(SEED_STOCK) },
      },
    });
    step(`${SERVICES.length * REPLICAS} service replicas ready`);
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
    await cluster?.stop();
    printSummary();
  }, 60_000);

  it('puts every stream, DLQ included, on three replicas, and every consumer follows its stream', async () => {
    await cluster.waitHealthy(STREAMS);
    const nc = await connect({ servers: cluster.url.split(',') });
    try {
      const jsm = await nc.jetstreamManager();
      const placement: Record<string, number> = {};
      for (const stream of STREAMS) {
        const info = await jsm.streams.info(stream);
        placement[stream] = info.config.num_replicas;
        expect({ stream, peers: 1 + (info.cluster?.replicas?.length ?? 0) }).toEqual({ stream, peers: 3 });
        for (const consumer of await jsm.consumers.list(stream).next()) {
          expect({ consumer: consumer.name, peers: 1 + (consumer.cluster?.replicas?.length ?? 0) }).toEqual({ consumer: consumer.name, peers: 3 });
        }
      }
      expect(placement).toEqual(Object.fromEntries(STREAMS.map((s) => [s, 3])));
    } finally {
      await nc.close();
    }
    // Replicas started together and one of each service migrated its schema: every migration row was written by one
    // transaction (now() is the transaction's start), the other replica waited on the advisory lock and applied none.
    for (const schema of ['orders', 'inventory', 'payments', 'notifications']) {
      const runs = await sql<{ n: number; migrations: number }>(
        system.database.url,
        `select count(distinct applied_at)::int as n, count(*)::int as migrations from ${schema}.schema_migrations`,
      );
      expect({ schema, transactions: runs[0].n, some: runs[0].migrations > 0 }).toEqual({ schema, transactions: 1, some: true });
    }
  }, 60_000);

  it('loses no order and charges none twice through a leader kill, two replica kills and a rolling restart', async () => {
    await scenario('NATS cluster: leader, replicas, rolling restart', async (abort) => {
      const dlqBefore = await dlqCount(cluster.url);
      let turn = 0;
      const orderApi = () => system.url('order-service', turn++ % REPLICAS);
      const all = SERVICES.flatMap(({ name }) =>
        Array.from({ length: REPLICAS }, (_, i) => ({ name, replica: i, label: label(name, i), url: system.url(name, i) })),
      );
      const readiness = watchReadiness(all);
      const loadDone = new AbortController();
      abort.addEventListener('abort', () => loadDone.abort());
      const load = driveOrders(orderApi, 100_000, { tag: 'cluster', concurrency: 4, pauseMs: 100, signal: loadDone.signal });

      const probes: Accepted[] = [];
      const recoveries: { fault: string; seconds: number }[] = [];
      /** An order placed right after a fault; the fault's recovery is the time until that order is final. */
      const recover = async (fault: string, at: number) => {
        const { accepted } = await driveOrders(orderApi, 1, { tag: `probe-${recoveries.length}`, retryForMs: 60_000 });
        probes.push(...accepted);
        await finalOrder(system.url('order-service'), accepted[0].id, 120_000, system.logs);
        recoveries.push({ fault, seconds: (Date.now() - at) / 1000 });
        step(`${fault}: an order placed after it was final ${((Date.now() - at) / 1000).toFixed(1)} s after the fault`);
      };
      const node = (name: string): ClusterNode => cluster.nodes.find((n) => n.name === name)!;

      await sleep(5000);
      const leader = (await cluster.streamInfo('ORDERS')).cluster!.leader!;
      let at = Date.now();
      await cluster.stopNode(leader, 'SIGKILL');
      step(`SIGKILL ${leader}, leader of ORDERS`);
      await recover(`SIGKILL ${leader} (ORDERS leader)`, at);

      // The replicas about to die did part of the work: counted now, their counters die with them. A replica's pull
      // request waits behind its twin's (the server fills pull requests in turn, 128 messages each), so at this
      // rate its first messages can take several seconds: it is killed once it has some, or after 30 s regardless.
      const consumed = new Map<string, number>();
      const victims = [label('payment-service', 1), label('inventory-service', 1)];
      for (const target of all.filter((t) => victims.includes(t.label))) {
        const until = Date.now() + 30_000;
        let handled = await consumedMessages(target.url);
        while (handled === 0 && Date.now() < until) {
          await sleep(500);
          handled = await consumedMessages(target.url);
        }
        consumed.set(target.label, handled);
        readiness.forget(target.label);
        await system.replicas.get(target.name)![target.replica].stop('SIGKILL');
      }
      at = Date.now();
      step(`SIGKILL ${victims.join(' and ')}`);
      await recover('SIGKILL a payment and an inventory replica', at);

      at = Date.now();
      await cluster.startNode(leader);
      await cluster.waitHealthy(STREAMS);
      step(`${leader} restarted and caught up`);
      await recover(`restart ${leader}`, at);

      for (const { name } of cluster.nodes) {
        at = Date.now();
        await cluster.stopNode(name, 'SIGTERM');
        await cluster.startNode(name);
        await cluster.waitHealthy(STREAMS);
        step(`rolling restart: ${name} back and caught up (${node(name).url})`);
        await recover(`rolling restart of ${name} (SIGTERM)`, at);
      }

      await sleep(3000);
      loadDone.abort();
      const { accepted, statuses } = await load;
      const records = await readiness.stop();
      step(`load stopped: ${accepted.length} orders accepted, other answers ${JSON.stringify(Object.fromEntries(statuses))}`);
      for (const target of all.filter((t) => !victims.includes(t.label))) consumed.set(target.label, await consumedMessages(target.url));
      printDetails(recoveries, records, consumed);

      const audit = await auditOrders(system, [...accepted, ...probes], 180_000);
      step(`audited ${JSON.stringify({ ...audit, problems: audit.problems.length })}`);
      const extra = await stockProblems(system, SEED_STOCK);
      const survivors = all.filter((t) => !victims.includes(t.label));
      for (const t of survivors) {
        const child = system.replicas.get(t.name)![t.replica].process;
        if (child.exitCode !== null || child.signalCode !== null) extra.push(`${t.label} exited`);
      }
      for (const [who, record] of records) {
        if (record.longestNotReadyMs > MAX_NOT_READY_MS)
          extra.push(`${who} was not ready for ${(record.longestNotReadyMs / 1000).toFixed(1)} s at a stretch`);
      }
      for (const [who, n] of consumed) if (n === 0) extra.push(`${who} handled no message: the replicas did not share the work`);
      // Both replicas' outbox relays publish from one table: a row sent twice would be stored once (Nats-Msg-Id), never twice.
      const storedTwice = [...(await storedEvents(cluster.url)).values()].flatMap((types) => [...types].filter(([, e]) => e.copies > e.ids.size));
      if (storedTwice.length > 0) extra.push(`${storedTwice.length} event(s) stored more than once under one id`);
      const dlq = (await dlqCount(cluster.url)) - dlqBefore;
      if (dlq !== 0) extra.push(`${dlq} dead letter(s) written`);
      return { ...assertAudit(audit, dlq, extra), recoverySeconds: Math.max(...recoveries.map((r) => r.seconds)) };
    });
  }, 300_000);
});

/** The per-fault recovery times, each surviving replica's readiness and each replica's share of the work. */
function printDetails(
  recoveries: { fault: string; seconds: number }[],
  readiness: Map<string, ReadinessRecord>,
  consumed: Map<string, number>,
): void {
  const lines = [
    '',
    'NATS cluster scenario',
    '| fault | recovery |',
    '|---|---:|',
    ...recoveries.map((r) => `| ${r.fault} | ${r.seconds.toFixed(1)} s |`),
    '',
  ];
  lines.push('| replica | messages handled | readiness polls | not ready | longest not ready |', '|---|---:|---:|---:|---:|');
  for (const [who, n] of consumed) {
    const r = readiness.get(who);
    lines.push(
      `| ${who} | ${n} | ${r ? r.polls : 'killed'} | ${r ? r.notReady : '-'} | ${r ? `${(r.longestNotReadyMs / 1000).toFixed(1)} s` : '-'} |`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
}
