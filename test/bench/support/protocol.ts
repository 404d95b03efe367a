/** Messages between the benchmark orchestrator (bench.ts) and its case workers (bench-worker.ts), over Node IPC. */
import type { CodecName } from './events';

/** One process per kind, so globals (OpenTelemetry providers, AsyncLocalStorage) never leak between cases. */
export type WorkerKind = 'raw' | 'transport' | 'traced' | 'outbox';

export type CaseId =
  | 'raw-e2e'
  | 'raw-callback-e2e'
  | 'transport-e2e'
  | 'transport-traced-e2e'
  | 'raw-publish'
  | 'publisher'
  | 'direct-publish'
  | 'outbox'
  | 'handler-direct'
  | 'handler-intercepted';

export interface WorkerConfig {
  kind: WorkerKind;
  natsUrl: string;
  codec: CodecName;
  /** JetStream stream this worker owns (unique per run); deleted by the orchestrator at the end. */
  stream: string;
  /** Subjects of the stream: `<prefix>.>`. */
  prefix: string;
  /** Publishes kept in flight by end-to-end and publisher cases. */
  inFlight: number;
  /** Handler concurrency of our transport (ConsumerSettings.concurrency). */
  concurrency: number;
  /** Concurrent writers (transactions) of the outbox case, and callers of its direct-publish counterpart. */
  outboxWriters: number;
  databaseUrl?: string;
}

/** What one round of one case measured. */
export interface RoundResult {
  count: number;
  elapsedMs: number;
  msgsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** CPU time (user + system) of the worker process during the round, per message (publisher and consumer sides). */
  cpuUsPerMsg?: number;
  /** Case-specific figures (spans exported, stray deliveries...). */
  extra?: Record<string, number>;
}

export type ToWorker =
  /** `ratePerSec`: pace publishes (end-to-end and publisher-alone cases) instead of publishing flat out. */
  { op: 'run'; caseId: CaseId; count: number; timeoutMs: number; ratePerSec?: number } | { op: 'stop' };

export type FromWorker =
  | { op: 'ready'; cases: CaseId[]; info: Record<string, string | number> }
  | { op: 'result'; caseId: CaseId; result: RoundResult }
  | { op: 'error'; caseId?: CaseId; message: string }
  | { op: 'stopped' };
