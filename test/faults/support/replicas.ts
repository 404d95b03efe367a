import { setTimeout as sleep } from 'node:timers/promises';
/**
 * What the cluster scenario watches on each service replica: its readiness over time (how long it was not 200) and
 * how much of the load its handlers took (from its Prometheus `/metrics`).
 */

/** One replica's readiness over the watch: polls, answers other than 200, the longest stretch of them. */
export interface ReadinessRecord {
  polls: number;
  notReady: number;
  longestNotReadyMs: number;
}

export interface ReadinessWatch {
  /** Stops watching one replica (it is about to be killed: its 503s are expected). */
  forget(label: string): void;
  /** Stops the watch and returns each watched replica's record (forgotten ones excluded). */
  stop(): Promise<Map<string, ReadinessRecord>>;
}

/** Polls `GET /health/ready` of every replica every `intervalMs` until stopped. */
export function watchReadiness(targets: { label: string; url: string }[], intervalMs = 500): ReadinessWatch {
  const forgotten = new Set<string>();
  const records = new Map<string, ReadinessRecord & { downSince?: number }>();
  let stopping = false;
  const poll = async (label: string, url: string) => {
    const record = { polls: 0, notReady: 0, longestNotReadyMs: 0 } as ReadinessRecord & { downSince?: number };
    records.set(label, record);
    while (!stopping && !forgotten.has(label)) {
      const at = Date.now();
      const status = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(3000) }).then(
        (r) => r.status,
        () => 0,
      );
      record.polls++;
      if (status === 200) record.downSince = undefined;
      else {
        record.notReady++;
        record.downSince ??= at;
        record.longestNotReadyMs = Math.max(record.longestNotReadyMs, Date.now() - record.downSince);
      }
      await sleep(Math.max(0, intervalMs - (Date.now() - at)));
    }
  };
  const loops = targets.map(({ label, url }) => poll(label, url));
  return {
    forget: (label) => forgotten.add(label),
    stop: async () => {
      stopping = true;
      await Promise.all(loops);
      return new Map(
        [...records]
          .filter(([label]) => !forgotten.has(label))
          .map(([label, { polls, notReady, longestNotReadyMs }]) => [label, { polls, notReady, longestNotReadyMs }]),
      );
    },
  };
}

/** Messages this replica's handlers took (every subject and outcome), from `messaging_client_consumed_messages`. */
export async function consumedMessages(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('messaging_client_consumed_messages')) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) total += value;
  }
  return total;
}
