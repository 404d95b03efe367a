/**
 * A real JetStream cluster for tests: `size` nats-server processes on free local ports, routed to each other
 * (`--cluster_name`, `--cluster`, `--routes`, `-n`), each with a store of its own, so a node can be killed and
 * restarted on the same ports and store while the others keep the cluster (and its R3 streams) alive.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { connect, type NatsConnection, type StreamInfo } from 'nats';

import { freePort, type NatsServerProcess, startNatsServer } from './stack';

/** One node of the cluster: its name (`n1`...), client URL, and the process while it runs. */
export interface ClusterNode {
  name: string;
  url: string;
  process?: NatsServerProcess;
}

export interface NatsCluster {
  nodes: ClusterNode[];
  /** Every node's client URL, comma-separated, as NATS_URL takes it. */
  url: string;
  /** Stops one node (SIGKILL for a crash, SIGTERM for what a rolling restart does). */
  stopNode(name: string, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a stopped node again on the same ports with the same store. */
  startNode(name: string): Promise<void>;
  /** Stream info from whichever node answers (leader and replicas under `cluster`). */
  streamInfo(stream: string): Promise<StreamInfo>;
  /** Waits until the JetStream API answers (the cluster elected its meta leader) and, if named, each stream has a leader and every replica is current. */
  waitHealthy(streams?: readonly string[], timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a cluster of `size` nodes and waits until JetStream answers through it. */
export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  const clusterName = `saga-${Math.random().toString(36).slice(2, 8)}`;
  const specs: { name: string; port: number; routePort: number; storeDir: string }[] = [];
  for (let i = 1; i <= size; i++) {
    specs.push({ name: `n${i}`, port: await freePort(), routePort: await freePort(), storeDir: mkdtempSync(join(tmpdir(), `saga-nats-n${i}-`)) });
  }
  const routes = specs.map((s) => `nats://127.0.0.1:${s.routePort}`).join(',');
  const nodes: ClusterNode[] = specs.map((s) => ({ name: s.name, url: `nats://127.0.0.1:${s.port}` }));
  const specOf = (name: string) => specs.find((s) => s.name === name)!;
  const nodeOf = (name: string) => nodes.find((n) => n.name === name)!;

  const startNode = async (name: string) => {
    const spec = specOf(name);
    const args = ['-n', name, '--cluster_name', clusterName, '--cluster', `nats://127.0.0.1:${spec.routePort}`, '--routes', routes];
    nodeOf(name).process = await startNatsServer({ port: spec.port, storeDir: spec.storeDir, args });
  };

  const withConnection = async <T>(work: (nc: NatsConnection) => Promise<T>): Promise<T> => {
    const running = nodes.filter((n) => n.process).map((n) => n.url);
    const nc = await connect({ servers: running, name: 'test-cluster', timeout: 2000, maxReconnectAttempts: 0 });
    try {
      return await work(nc);
    } finally {
      await nc.close();
    }
  };

  const cluster: NatsCluster = {
    nodes,
    url: nodes.map((n) => n.url).join(','),
    stopNode: async (name, signal = 'SIGTERM') => {
      const node = nodeOf(name);
      await node.process?.stop(signal);
      node.process = undefined;
    },
    startNode,
    streamInfo: (stream) => withConnection(async (nc) => (await nc.jetstreamManager()).streams.info(stream)),
    waitHealthy: async (streams = [], timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      let last: string;
      for (;;) {
        try {
          const unhealthy = await withConnection(async (nc) => {
            const jsm = await nc.jetstreamManager();
            await jsm.getAccountInfo();
            const problems: string[] = [];
            for (const stream of streams) {
              const { cluster: placement } = await jsm.streams.info(stream);
              if (!placement?.leader) problems.push(`${stream}: no leader`);
              for (const replica of placement?.replicas ?? [])
                if (!replica.current || replica.offline) problems.push(`${stream}: ${replica.name} not current`);
            }
            return problems;
          });
          if (unhealthy.length === 0) return;
          last = unhealthy.join('; ');
        } catch (error) {
          last = (error as Error).message;
        }
        if (Date.now() > deadline) throw new Error(`NATS cluster not healthy after ${timeoutMs} ms: ${last}`);
        await sleep(250);
      }
    },
    stop: async () => {
      await Promise.all(nodes.flatMap((n) => (n.process ? [n.process.stop('SIGKILL').catch(() => undefined)] : [])));
      for (const spec of specs) rmSync(spec.storeDir, { recursive: true, force: true });
    },
  };

  try {
    await Promise.all(specs.map((s) => startNode(s.name)));
    await cluster.waitHealthy();
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}
