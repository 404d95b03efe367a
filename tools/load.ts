/**
 * `npm run load -- --rate <n|max> --duration <s> [--url http://localhost:3000] [--concurrency 64]
 *                  [--nats nats://127.0.0.1:4222] [--json out.json] [--token <jwt>]`
 *
 * Drives POST /orders against a running system with realistic bodies (one to four SKUs, a share of orders bound to
 * be rejected), watches `orders.confirmed`/`orders.cancelled` on NATS to time each order from POST to its final
 * state (falls back to polling GET /orders/:id when NATS cannot be reached), and prints a summary.
 * For long runs raise the seeded stock (INVENTORY_SEED_STOCK) or most orders end OUT_OF_STOCK.
 * Orders are placed as one customer, the token's subject: `--token`, else one minted with the development key of
 * `npm start` (DATA_DIR/auth), else none (a system running with AUTH_DISABLED=true).
 */
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

import { connect, type NatsConnection } from 'nats';

import { resolveCaller } from './load-caller';
import { availableUnits, cpuShareLines, cpuSnapshot, neighbourPorts, SERVICE_NAMES } from './load-services';

interface Options {
  url: string;
  /** Base URLs of order, inventory, payment and notification service, for /metrics and the stock check. */
  services: string[];
  rate: number | 'max';
  durationS: number;
  concurrency: number;
  nats: string;
  json?: string;
  rejectShare: number;
  token?: string;
}

/** What `npm run load -- --help` prints. */
export const USAGE = `usage: npm run load -- [--rate <n|max>] [--duration <s>] [--url http://127.0.0.1:3000]
                     [--concurrency 64] [--nats nats://127.0.0.1:4222] [--json out.json] [--reject-share 0.1]
                     [--token <jwt>] [--services <url,url,url,url>]

Drives POST /orders against a running system (npm start) and prints throughput and latency.
  --rate          orders per second, or max (default 50)
  --duration      seconds (default 10)
  --concurrency   requests in flight at most (default 64)
  --reject-share  share of orders naming an unknown SKU, 0 to 1 (default 0.1)
  --json          also write the summary to this file
  --token         bearer token (orders:write orders:read); default: minted with npm start's development key
                  (DATA_DIR/auth), or none when there is no such key
  --services      order, inventory, payment and notification service base URLs, for their CPU time (/metrics)
                  and the stock check; default: the --url host on its port and the next three
exit codes: 0 done, 1 no order accepted, 2 bad usage`;

/** Thrown for `--help`: print the usage and exit 0. */
class HelpRequested extends Error {}

/** Parses the command line; throws HelpRequested for --help/-h and an Error (exit 2) for bad usage. */
export function parseArgs(argv: string[]): Options {
  if (argv.includes('--help') || argv.includes('-h')) throw new HelpRequested();
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    if (!key.startsWith('--')) throw new Error(`unexpected argument "${key}"`);
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new Error(`${key} needs a value`);
    args.set(key.slice(2), value);
    i++;
  }
  const known = new Set(['url', 'rate', 'duration', 'concurrency', 'nats', 'json', 'reject-share', 'token', 'services']);
  for (const key of args.keys()) if (!known.has(key)) throw new Error(`unknown option --${key}`);
  const number = (name: string, fallback: number, min: number, max: number) => {
    const raw = args.get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) throw new Error(`--${name} must be a number from ${min} to ${max}`);
    return value;
  };
  const rawRate = args.get('rate') ?? '50';
  const rate = rawRate === 'max' ? 'max' : number('rate', 50, 1, 100_000);
  const url = (args.get('url') ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
  const services = args.has('services')
    ? args
        .get('services')!
        .split(',')
        .map((s) => s.trim().replace(/\/$/, ''))
    : neighbourPorts(url);
  if (services.length !== SERVICE_NAMES.length) throw new Error(`--services needs ${SERVICE_NAMES.length} URLs (${SERVICE_NAMES.join(', ')})`);
  return {
    url,
    services,
    rate,
    durationS: number('duration', 10, 1, 3600),
    concurrency: Math.floor(number('concurrency', 64, 1, 4096)),
    nats: args.get('nats') ?? process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    json: args.get('json'),
    rejectShare: number('reject-share', 0.1, 0, 1),
    token: args.get('token'),
  };
}

/** Mean units per order of `orderBody`: 2.5 lines of 2 units. */
const MEAN_UNITS_PER_ORDER = 5;

const SKUS = Array.from({ length: 10 }, (_, i) => `SKU-${String(i + 1).padStart(3, '0')}`);

/** A realistic order: one to four distinct SKUs; a share names an unknown SKU so the saga rejects it. */
export function orderBody(rejectShare: number, random = Math.random, customerId?: string): Record<string, unknown> {
  const count = 1 + Math.floor(random() * 4);
  const skus = [...SKUS].sort(() => random() - 0.5).slice(0, count);
  if (random() < rejectShare) skus[0] = 'SKU-UNKNOWN';
  return {
    customerId: customerId ?? `load-${Math.floor(random() * 1000)}`,
    currency: 'EUR',
    items: skus.map((sku) => ({ sku, quantity: 1 + Math.floor(random() * 3), unitPrice: 100 + Math.floor(random() * 9900) })),
  };
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

function summary(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return { count: sorted.length, p50: round(percentile(sorted, 50)), p95: round(percentile(sorted, 95)), p99: round(percentile(sorted, 99)) };
}

/** A latency histogram drawn with block characters, log-spaced buckets. */
export function histogram(values: number[], width = 40): string {
  if (values.length === 0) return '  (no samples)';
  const bounds = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, Infinity];
  const counts = bounds.map(() => 0);
  for (const v of values) counts[bounds.findIndex((b) => v <= b)]++;
  const max = Math.max(...counts);
  let lower = 0;
  return bounds
    .map((bound, i) => {
      const label = bound === Infinity ? `> ${lower} ms` : `<= ${bound} ms`;
      lower = bound;
      const bar = '█'.repeat(Math.round((counts[i] / max) * width));
      return counts[i] ? `  ${label.padStart(11)} | ${bar} ${counts[i]}` : '';
    })
    .filter(Boolean)
    .join('\n');
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const caller = await resolveCaller(options.token);
  const auth: Record<string, string> = caller.token ? { authorization: `Bearer ${caller.token}` } : {};
  const started = new Map<string, number>(); // order id -> POST start (ms)
  const httpLatency: number[] = [];
  const finalLatency: number[] = [];
  const errors = new Map<string, number>();
  let accepted = 0;
  let confirmed = 0;
  let cancelled = 0;
  let inFlight = 0;
  const countError = (kind: string) => errors.set(kind, (errors.get(kind) ?? 0) + 1);

  const settle = (orderId: string, status: 'CONFIRMED' | 'CANCELLED', at = performance.now()) => {
    const t0 = started.get(orderId);
    if (t0 === undefined) return;
    started.delete(orderId);
    finalLatency.push(at - t0);
    if (status === 'CONFIRMED') confirmed++;
    else cancelled++;
  };

  let nats: NatsConnection | undefined;
  try {
    nats = await connect({ servers: options.nats.split(','), timeout: 2000, name: 'load-generator' });
    for (const [subject, status] of [
      ['orders.confirmed', 'CONFIRMED'],
      ['orders.cancelled', 'CANCELLED'],
    ] as const) {
      const sub = nats.subscribe(subject);
      void (async () => {
        for await (const msg of sub) {
          try {
            const event = JSON.parse(new TextDecoder().decode(msg.data)) as { data?: { orderId?: string } };
            if (event.data?.orderId) settle(event.data.orderId, status);
          } catch {
            countError('undecodable event');
          }
        }
      })();
    }
  } catch {
    process.stderr.write(`NATS at ${options.nats} not reachable: timing final states by polling GET /orders/:id\n`);
  }

  const post = async () => {
    inFlight++;
    const t0 = performance.now();
    try {
      const response = await fetch(`${options.url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: JSON.stringify(orderBody(options.rejectShare, Math.random, caller.customerId)),
        signal: AbortSignal.timeout(10_000),
      });
      const latency = performance.now() - t0;
      if (response.status === 201) {
        const order = (await response.json()) as { id: string };
        accepted++;
        httpLatency.push(latency);
        started.set(order.id, t0);
      } else {
        await response.arrayBuffer();
        countError(`HTTP ${response.status}`);
      }
    } catch (error) {
      countError(error instanceof Error && error.name === 'TimeoutError' ? 'timeout' : 'connection');
    } finally {
      inFlight--;
    }
  };

  const poll = async () => {
    for (const id of [...started.keys()].slice(0, 50)) {
      try {
        const response = await fetch(`${options.url}/orders/${id}`, { headers: auth });
        if (response.ok) {
          const order = (await response.json()) as { status: string };
          if (order.status === 'CONFIRMED' || order.status === 'CANCELLED') settle(id, order.status);
        }
      } catch {
        /* the next round tries again */
      }
    }
  };

  const stock = await availableUnits(options.services[1], SKUS);
  const expectedOrders = (options.rate === 'max' ? 300 : options.rate) * options.durationS;
  if (stock !== undefined && stock < expectedOrders * MEAN_UNITS_PER_ORDER) {
    process.stderr.write(
      `warning: the warehouse holds ${stock} units of ${SKUS[0]}..${SKUS[SKUS.length - 1]}; this run may order about ` +
        `${expectedOrders * MEAN_UNITS_PER_ORDER}, so many orders will end OUT_OF_STOCK. Seed more on an empty database ` +
        `(INVENTORY_SEED_STOCK; npm start seeds 1,000,000 per SKU) or shorten the run.\n`,
    );
  }
  const cpuBefore = await cpuSnapshot(options.services);

  const t0 = performance.now();
  const end = t0 + options.durationS * 1000;
  let sent = 0;
  const progress = setInterval(() => {
    const elapsed = (performance.now() - t0) / 1000;
    const errorCount = [...errors.values()].reduce((a, b) => a + b, 0);
    process.stderr.write(
      `\r${elapsed.toFixed(0).padStart(4)} s  rate ${(accepted / elapsed).toFixed(0).padStart(5)}/s  accepted ${accepted}  errors ${errorCount}  confirmed ${confirmed}  cancelled ${cancelled}  in flight ${inFlight + started.size}   `,
    );
    if (!nats) void poll();
  }, 500);

  const workers: Promise<void>[] = [];
  for (let w = 0; w < options.concurrency; w++) {
    workers.push(
      (async () => {
        while (performance.now() < end) {
          if (options.rate !== 'max') {
            const due = t0 + (sent / options.rate) * 1000;
            if (due >= end) break;
            sent++;
            const wait = due - performance.now();
            if (wait > 0) await sleep(wait);
          }
          await post();
        }
      })(),
    );
  }
  await Promise.all(workers);
  const sendSeconds = (performance.now() - t0) / 1000;

  // Give the saga time to finish what was accepted.
  const drainDeadline = performance.now() + 30_000;
  while (started.size > 0 && performance.now() < drainDeadline) {
    if (!nats) await poll();
    await sleep(250);
  }
  clearInterval(progress);
  process.stderr.write('\n');
  const totalSeconds = (performance.now() - t0) / 1000;
  const cpuAfter = await cpuSnapshot(options.services);
  await nats?.close();

  const result = {
    url: options.url,
    rate: options.rate,
    durationS: options.durationS,
    concurrency: options.concurrency,
    accepted,
    confirmed,
    cancelled,
    unfinished: started.size,
    acceptedPerSec: Math.round((accepted / sendSeconds) * 10) / 10,
    confirmedPerSec: Math.round((confirmed / totalSeconds) * 10) / 10,
    cancelledPerSec: Math.round((cancelled / totalSeconds) * 10) / 10,
    httpLatencyMs: summary(httpLatency),
    confirmLatencyMs: summary(finalLatency),
    errors: Object.fromEntries(errors),
    cpuSeconds: Object.fromEntries(
      SERVICE_NAMES.map((name, i) => [name, cpuAfter[i] !== undefined && cpuBefore[i] !== undefined ? cpuAfter[i] - cpuBefore[i] : null]),
    ),
  };

  const lines = [
    `accepted      ${accepted} (${result.acceptedPerSec}/s)`,
    `final         ${confirmed} confirmed (${result.confirmedPerSec}/s), ${cancelled} cancelled (${result.cancelledPerSec}/s), ${started.size} unfinished`,
    `HTTP latency  p50 ${result.httpLatencyMs.p50} ms  p95 ${result.httpLatencyMs.p95} ms  p99 ${result.httpLatencyMs.p99} ms`,
    `POST->final   p50 ${result.confirmLatencyMs.p50} ms  p95 ${result.confirmLatencyMs.p95} ms  p99 ${result.confirmLatencyMs.p99} ms`,
    `errors        ${errors.size ? [...errors].map(([k, v]) => `${k}: ${v}`).join(', ') : 'none'}`,
    `CPU over the ${totalSeconds.toFixed(0)} s run (sending and draining):`,
    ...cpuShareLines(cpuBefore, cpuAfter, totalSeconds, accepted),
    'POST->final histogram:',
    histogram(finalLatency),
  ];
  process.stdout.write(lines.join('\n') + '\n');
  if (options.json) writeFileSync(options.json, JSON.stringify(result, null, 2) + '\n');
  if (accepted === 0) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    if (error instanceof HelpRequested) {
      process.stdout.write(`${USAGE}\n`);
      return;
    }
    process.stderr.write(`load: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`);
    process.exit(2);
  });
}
