/**
 * `npm run bench [-- --quick] [--json <file>] [--rounds n] [--count n] [--outbox-count n] [--codec cloudevents|json]
 *                [--in-flight n] [--concurrency n] [--outbox-writers n] [--rate n] [--no-outbox] [--nats <url>]`
 *
 * Transport benchmark: the raw `nats` client against our JetStream transport (tracing off and on), our publisher
 * against raw publish, and the transactional outbox against direct publish, all in one run on one machine.
 *
 * How it measures (see support/worker-cases.ts for the per-case timing rules):
 * - Each kind of case runs in its own worker process (raw client; Nest transport; Nest transport with
 *   OpenTelemetry; Nest outbox on PostgreSQL), started once, so OpenTelemetry globals never leak into other cases.
 *   Only one case runs at a time; the other workers sit idle.
 * - One warm-up round per case, then rounds interleaved (A B C D ..., A B C D ...) so drift and noise on a shared
 *   machine hit every case alike. Figures are medians over rounds; ratios are ratios of those medians (the JSON
 *   also has the median of per-round ratios).
 * - Uses the NATS server at NATS_URL (default nats://127.0.0.1:4222) with streams named `BENCH_<run>_*` on
 *   subjects `bench.<run>.*`, deleted at the end; the outbox case uses a fresh PostgreSQL database (dropped at the
 *   end) on the server of PG_TEST_URL.
 * BENCH_CPU_PROF_DIR=<dir> writes a V8 CPU profile of every worker. Nothing here is asserted; `npm test` never runs it.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';

import { connect } from 'nats';

import { createTestDatabase, type TestDatabase } from '../support/stack';
import type { CodecName } from './support/events';
import type { CaseId, FromWorker, RoundResult, ToWorker, WorkerConfig, WorkerKind } from './support/protocol';
import { median, round } from './support/stats';

interface Options {
  quick: boolean;
  json?: string;
  rounds: number;
  count: number;
  outboxCount: number;
  warmupCount: number;
  codec: CodecName;
  inFlight: number;
  concurrency: number;
  outboxWriters: number;
  outbox: boolean;
  /** Paced publishing (msgs/s) for the end-to-end and publisher cases; undefined = flat out. */
  rate?: number;
  natsUrl: string;
  roundTimeoutMs: number;
}

const USAGE =
  'usage: npm run bench -- [--quick] [--json <file>] [--rounds n] [--count n] [--outbox-count n] [--codec cloudevents|json]\n' +
  '                        [--in-flight n] [--concurrency n] [--outbox-writers n] [--rate msgs/s] [--no-outbox] [--nats <url>]\n' +
  '  --quick: 5 rounds of 3000 msgs (30-60 s); default: 7 rounds of 20000 (about 5 min).\n' +
  '  --rate: pace the e2e and publisher cases (latency without queueing; msgs/s then just shows the rate).';

/** A bad command line: printed without a stack trace. */
class UsageError extends Error {}

function parseArgs(argv: string[]): Options {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const booleans = new Set(['quick', 'no-outbox', 'help']);
  const known = new Set(['json', 'rounds', 'count', 'outbox-count', 'codec', 'in-flight', 'concurrency', 'outbox-writers', 'rate', 'nats']);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"\n${USAGE}`);
    const key = arg.slice(2);
    if (booleans.has(key)) {
      flags.add(key);
      continue;
    }
    if (!known.has(key)) throw new UsageError(`unknown option ${arg}\n${USAGE}`);
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${arg} needs a value`);
    values.set(key, value);
    i++;
  }
  if (flags.has('help')) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const quick = flags.has('quick');
  const int = (name: string, fallback: number, min: number, max: number) => {
    const raw = values.get(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
    return n;
  };
  const codec = values.get('codec') ?? 'cloudevents';
  if (codec !== 'cloudevents' && codec !== 'json') throw new UsageError('--codec must be cloudevents or json');
  const count = int('count', quick ? 3000 : 20_000, 100, 1_000_000);
  return {
    quick,
    json: values.get('json'),
    rounds: int('rounds', quick ? 5 : 7, 1, 100),
    count,
    outboxCount: int('outbox-count', quick ? 1500 : Math.max(100, Math.round(count / 4)), 100, 1_000_000),
    warmupCount: quick ? 500 : 2000,
    codec,
    inFlight: int('in-flight', 256, 1, 10_000),
    concurrency: int('concurrency', 16, 1, 1024),
    outboxWriters: int('outbox-writers', 32, 1, 1024),
    outbox: !flags.has('no-outbox'),
    rate: values.has('rate') ? int('rate', 0, 1, 1_000_000) : undefined,
    natsUrl: values.get('nats') ?? process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    roundTimeoutMs: quick ? 60_000 : 180_000,
  };
}

interface CaseDef {
  id: CaseId;
  worker: WorkerKind;
  label: string;
  /** The case this one is compared against in the table. */
  reference?: CaseId;
  outbox?: boolean;
}

function caseDefs(options: Options): CaseDef[] {
  return [
    { id: 'raw-e2e', worker: 'raw', label: 'raw nats client, end to end (baseline)' },
    { id: 'raw-callback-e2e', worker: 'raw', label: 'raw nats client, callback consumer', reference: 'raw-e2e' },
    { id: 'transport-e2e', worker: 'transport', label: 'our transport, end to end, tracing off', reference: 'raw-e2e' },
    { id: 'transport-traced-e2e', worker: 'traced', label: 'our transport, end to end, tracing on', reference: 'raw-e2e' },
    { id: 'handler-direct', worker: 'transport', label: 'Nest handler proxy alone (no broker)' },
    { id: 'handler-intercepted', worker: 'transport', label: 'same, with one pass-through interceptor', reference: 'handler-direct' },
    { id: 'raw-publish', worker: 'raw', label: 'raw js.publish, acked' },
    { id: 'publisher', worker: 'transport', label: 'our EventPublisher, acked', reference: 'raw-publish' },
    { id: 'direct-publish', worker: 'outbox', label: `direct publish, ${options.outboxWriters} callers`, outbox: true },
    { id: 'outbox', worker: 'outbox', label: `outbox commit + relay, ${options.outboxWriters} writers`, reference: 'direct-publish', outbox: true },
  ];
}

const log = (line: string) => process.stderr.write(`${line}\n`);

/** Set on Ctrl-C: the SIGINT handler cleans up and exits; main() must not exit first. */
let interrupted = false;

/** A forked case worker, driven one request at a time. */
class Worker {
  private waiting?: { resolve: (m: FromWorker) => void; reject: (e: Error) => void };
  private exited = false;
  private stopping = false;
  readonly ready: Promise<Extract<FromWorker, { op: 'ready' }>>;

  constructor(
    readonly kind: WorkerKind,
    readonly child: ChildProcess,
  ) {
    const prefix = (chunk: Buffer) =>
      chunk
        .toString()
        .split('\n')
        .filter((l) => l.trim())
        .forEach((l) => log(`  [${kind}] ${l}`));
    child.stdout?.on('data', prefix);
    child.stderr?.on('data', prefix);
    child.on('message', (message: FromWorker) => {
      const w = this.waiting;
      this.waiting = undefined;
      w?.resolve(message);
    });
    // A send on a closed channel is reported here; without a listener it would crash the run before cleanup.
    child.on('error', (error) => log(`  [${kind}] ${error.message}`));
    child.on('exit', (code, signal) => {
      this.exited = true;
      const w = this.waiting;
      this.waiting = undefined;
      w?.reject(new Error(`worker ${kind} exited (${signal ?? code})`));
    });
    this.ready = this.next(120_000).then((m) => {
      if (m.op !== 'ready') throw new Error(m.op === 'error' ? m.message : `worker ${kind}: unexpected ${m.op}`);
      return m;
    });
    // Awaited one worker at a time; a failure of another meanwhile must not crash the run before cleanup.
    this.ready.catch(() => undefined);
  }

  private next(timeoutMs: number): Promise<FromWorker> {
    return new Promise((resolvePromise, reject) => {
      if (this.exited) {
        reject(new Error(`worker ${this.kind} is not running`));
        return;
      }
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(new Error(`worker ${this.kind} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting = {
        resolve: (m) => {
          clearTimeout(timer);
          resolvePromise(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  async run(caseId: CaseId, count: number, timeoutMs: number, ratePerSec?: number): Promise<RoundResult> {
    if (this.exited || this.stopping) throw new Error(`worker ${this.kind} is stopped`);
    const answer = this.next(timeoutMs + 30_000);
    this.child.send({ op: 'run', caseId, count, timeoutMs, ratePerSec } satisfies ToWorker);
    const m = await answer;
    if (m.op === 'result') return m.result;
    throw new Error(m.op === 'error' ? m.message : `unexpected ${m.op}`);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.exited) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    try {
      this.child.send({ op: 'stop' } satisfies ToWorker);
    } catch {
      // already gone
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

function startWorker(config: WorkerConfig): Worker {
  const child = fork(join(__dirname, 'bench-worker.ts'), [], {
    cwd: resolve(__dirname, '..', '..'),
    execArgv: [
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      // BENCH_CPU_PROF_DIR=<dir>: V8 CPU profile of every worker (open the .cpuprofile in Chrome DevTools).
      ...(process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF_DIR] : []),
    ],
    env: { ...process.env, BENCH_WORKER_CONFIG: JSON.stringify(config), TS_NODE_TRANSPILE_ONLY: 'true' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  return new Worker(config.kind, child);
}

interface CaseSummary {
  label: string;
  rounds: RoundResult[];
  median: { msgsPerSec: number; p50Ms: number; p99Ms: number; cpuUsPerMsg: number };
  vs?: { reference: CaseId; throughputRatio: number };
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
const fmt = (n: number, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '-';

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`.toUpperCase();
  const streamPrefix = `BENCH_${runId}_`;
  const subjectRoot = `bench.${runId.toLowerCase()}`;
  const startedAt = new Date();
  const loadStart = loadavg();

  const admin = await connect({ servers: options.natsUrl.split(','), name: `bench-admin-${runId}` }).catch((error: unknown) => {
    throw new Error(`cannot reach NATS at ${options.natsUrl} (set NATS_URL or --nats): ${(error as Error).message}`);
  });
  const natsVersion = admin.info?.version ?? '?';

  let database: TestDatabase | undefined;
  let outboxSkipped: string | undefined;
  if (options.outbox) {
    try {
      database = await createTestDatabase('bench');
    } catch (error) {
      outboxSkipped = `PostgreSQL unavailable (${(error as Error).message})`;
      log(`outbox cases skipped: ${outboxSkipped}`);
    }
  } else {
    outboxSkipped = '--no-outbox';
  }

  const defs = caseDefs(options).filter((d) => !d.outbox || database);
  const kinds = [...new Set(defs.map((d) => d.worker))];
  const workers = new Map<WorkerKind, Worker>();

  const cleanup = async () => {
    await Promise.all([...workers.values()].map((w) => w.stop().catch(() => w.kill())));
    try {
      const jsm = await admin.jetstreamManager();
      for await (const info of jsm.streams.list()) {
        if (info.config.name.startsWith(streamPrefix)) await jsm.streams.delete(info.config.name).catch(() => undefined);
      }
    } catch (error) {
      log(`could not delete the ${streamPrefix}* streams: ${(error as Error).message}`);
    }
    await admin.drain().catch(() => undefined);
    await database?.drop().catch((error: unknown) => log(`could not drop ${database?.name}: ${(error as Error).message}`));
  };
  process.once('SIGINT', () => {
    interrupted = true;
    log('interrupted: stopping workers and deleting the benchmark streams...');
    void cleanup().finally(() => process.exit(130));
  });

  const results = new Map<CaseId, RoundResult[]>(defs.map((d) => [d.id, []]));
  const workerInfo: Record<string, Record<string, string | number>> = {};
  const started = performance.now();
  try {
    log(
      `bench run ${runId}: ${options.rounds} rounds x ${defs.length} cases, ${options.count} msgs per e2e/publish round, ` +
        `${options.outboxCount} per outbox round, codec ${options.codec}, NATS ${options.natsUrl} (server ${natsVersion})`,
    );
    for (const kind of kinds) {
      workers.set(
        kind,
        startWorker({
          kind,
          natsUrl: options.natsUrl,
          codec: options.codec,
          stream: `${streamPrefix}${kind.toUpperCase()}`,
          prefix: `${subjectRoot}.${kind}`,
          inFlight: options.inFlight,
          concurrency: options.concurrency,
          outboxWriters: options.outboxWriters,
          databaseUrl: kind === 'outbox' ? database?.url : undefined,
        }),
      );
    }
    for (const [kind, worker] of workers) workerInfo[kind] = (await worker.ready).info;
    log(`workers ready after ${((performance.now() - started) / 1000).toFixed(1)} s; warming up`);

    const countFor = (d: CaseDef) => (d.outbox ? options.outboxCount : options.count);
    const rateFor = (d: CaseDef) => (d.outbox ? undefined : options.rate);
    for (const d of defs) {
      if (interrupted) break;
      await workers.get(d.worker)!.run(d.id, Math.min(options.warmupCount, countFor(d)), options.roundTimeoutMs, rateFor(d));
    }
    for (let r = 1; r <= options.rounds && !interrupted; r++) {
      const line: string[] = [];
      for (const d of defs) {
        if (interrupted) break;
        const res = await workers.get(d.worker)!.run(d.id, countFor(d), options.roundTimeoutMs, rateFor(d));
        results.get(d.id)!.push(res);
        line.push(`${d.id} ${fmt(res.msgsPerSec)}/s`);
      }
      log(`round ${r}/${options.rounds}: ${line.join(', ')}`);
    }
  } finally {
    if (!interrupted) await cleanup();
  }
  if (interrupted) return;

  // ---- aggregate -------------------------------------------------------------------------------------------------
  const summaries: Partial<Record<CaseId, CaseSummary>> = {};
  for (const d of defs) {
    const rounds = results.get(d.id)!;
    summaries[d.id] = {
      label: d.label,
      rounds,
      median: {
        msgsPerSec: round(median(rounds.map((x) => x.msgsPerSec)), 0),
        p50Ms: round(median(rounds.map((x) => x.p50Ms)), 2),
        p99Ms: round(median(rounds.map((x) => x.p99Ms)), 2),
        cpuUsPerMsg: round(median(rounds.map((x) => x.cpuUsPerMsg ?? Number.NaN)), 1),
      },
    };
  }
  const tput = (id: CaseId) => summaries[id]?.median.msgsPerSec ?? Number.NaN;
  const ratio = (a: CaseId, b: CaseId) => round(tput(a) / tput(b), 3);
  const pairedRatio = (a: CaseId, b: CaseId) => {
    const ra = results.get(a);
    const rb = results.get(b);
    if (!ra || !rb) return Number.NaN;
    return round(median(ra.map((x, i) => x.msgsPerSec / (rb[i]?.msgsPerSec ?? Number.NaN))), 3);
  };
  for (const d of defs)
    if (d.reference && summaries[d.id]) summaries[d.id]!.vs = { reference: d.reference, throughputRatio: ratio(d.id, d.reference) };

  const transportVsRaw = ratio('transport-e2e', 'raw-e2e');
  const transportTracedVsRaw = ratio('transport-traced-e2e', 'raw-e2e');
  const tracingOverhead = round(1 - tput('transport-traced-e2e') / tput('transport-e2e'), 3);
  const publisherVsRaw = ratio('publisher', 'raw-publish');
  const outboxVsDirect = database ? ratio('outbox', 'direct-publish') : null;
  const cpu = (id: CaseId) => summaries[id]?.median.cpuUsPerMsg ?? Number.NaN;
  /** What Nest's interceptor pipeline alone costs per message: CPU with one pass-through interceptor minus none. */
  const interceptorPipelineUsPerMsg = round(cpu('handler-intercepted') - cpu('handler-direct'), 1);
  const cpuUsPerMsg = Object.fromEntries(defs.map((d) => [d.id, cpu(d.id)]));

  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? '?',
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    platform: `${platform()} ${release()}`,
    node: process.version,
    natsServer: natsVersion,
    loadAvgStart: loadStart.map((x) => round(x, 2)),
    loadAvgEnd: loadavg().map((x) => round(x, 2)),
  };
  const report = {
    runId,
    startedAt: startedAt.toISOString(),
    durationS: round((performance.now() - started) / 1000, 1),
    machine,
    config: {
      quick: options.quick,
      rounds: options.rounds,
      messagesPerRound: options.count,
      outboxMessagesPerRound: options.outboxCount,
      warmupMessages: options.warmupCount,
      codec:
        options.codec === 'cloudevents'
          ? 'cloudevents (real cloudEventCodec from @app/contracts: validates on publish and consume)'
          : 'json (JSON.stringify/parse, no validation)',
      publishInFlight: options.inFlight,
      publishRatePerSec: options.rate ?? 'unlimited',
      transportConcurrency: options.concurrency,
      outboxWriters: options.outboxWriters,
      latency: 'e2e: publish start -> handler start; publish: call -> JetStream ack; outbox: transaction start -> relay publish ack',
      ...(outboxSkipped ? { outboxSkipped } : {}),
    },
    workers: workerInfo,
    cases: summaries,
    transportVsRaw,
    transportTracedVsRaw,
    tracingOverhead,
    publisherVsRaw,
    outboxVsDirect,
    cpuUsPerMsg,
    interceptorPipelineUsPerMsg,
    pairedRoundRatios: {
      transportVsRaw: pairedRatio('transport-e2e', 'raw-e2e'),
      transportTracedVsRaw: pairedRatio('transport-traced-e2e', 'raw-e2e'),
      publisherVsRaw: pairedRatio('publisher', 'raw-publish'),
      outboxVsDirect: database ? pairedRatio('outbox', 'direct-publish') : null,
    },
  };

  // ---- print -----------------------------------------------------------------------------------------------------
  const out: string[] = [];
  out.push('');
  out.push(
    `Benchmark ${runId}: medians of ${options.rounds} interleaved rounds (${options.count} msgs per e2e/publish round, ${options.outboxCount} per outbox round)`,
  );
  out.push(
    `codec ${options.codec}, ${options.inFlight} publishes in flight${options.rate ? `, paced at ${options.rate} msgs/s` : ''}, transport concurrency ${options.concurrency}; ` +
      `${machine.cpus} x ${machine.cpuModel}, node ${machine.node}, nats-server ${natsVersion}`,
  );
  out.push('');
  const header = `${pad('case', 46)}${lpad('msgs/s', 10)}${lpad('ratio', 16)}${lpad('p50 ms', 10)}${lpad('p99 ms', 10)}${lpad('CPU us/msg', 12)}`;
  out.push(header);
  out.push('-'.repeat(header.length));
  for (const d of defs) {
    const s = summaries[d.id]!;
    const refName: Partial<Record<CaseId, string>> = {
      'raw-e2e': 'raw',
      'raw-publish': 'raw pub',
      'direct-publish': 'direct',
      'handler-direct': 'direct',
    };
    const vs = s.vs ? `${s.vs.throughputRatio.toFixed(2)}x ${refName[d.reference!] ?? d.reference}` : 'reference';
    out.push(
      `${pad(d.label, 46)}${lpad(fmt(s.median.msgsPerSec), 10)}${lpad(vs, 16)}${lpad(fmt(s.median.p50Ms, 2), 10)}${lpad(fmt(s.median.p99Ms, 2), 10)}${lpad(fmt(s.median.cpuUsPerMsg, 1), 12)}`,
    );
  }
  out.push('');
  out.push(
    `transportVsRaw ${transportVsRaw.toFixed(2)}x, transportTracedVsRaw ${transportTracedVsRaw.toFixed(2)}x, tracing overhead ${(tracingOverhead * 100).toFixed(1)}%, ` +
      `publisherVsRaw ${publisherVsRaw.toFixed(2)}x, Nest interceptor pipeline ${interceptorPipelineUsPerMsg} us/msg${outboxVsDirect !== null ? `, outboxVsDirect ${outboxVsDirect.toFixed(2)}x` : ` (outbox skipped: ${outboxSkipped})`}`,
  );
  out.push(
    `load average ${machine.loadAvgStart.join(' ')} -> ${machine.loadAvgEnd.join(' ')}; ${report.durationS} s. Shared machines are noisy: compare ratios from one run, not absolute figures.`,
  );
  process.stdout.write(`${out.join('\n')}\n`);

  if (options.json) {
    const file = resolve(options.json);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    log(`wrote ${file}`);
  }
}

main().then(
  () => {
    if (!interrupted) process.exit(0);
  },
  (error: unknown) => {
    if (interrupted) return;
    if (error instanceof UsageError) {
      log(error.message);
      process.exit(2);
    }
    log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
