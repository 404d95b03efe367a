/**
 * The summary table every fault file appends to and prints: rows go to a file keyed by the jest process, so the last
 * file printed shows the whole suite. A row's `passed` always comes from what happened, never a constant.
 */
import { appendFileSync, existsSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SummaryRow {
  scenario: string;
  orders: number;
  final: number;
  lost: number;
  duplicated: number;
  dlq: number;
  seconds: number;
  passed: boolean;
  /** Longest time from a fault until an order placed right after it was final (scenarios that measure it). */
  recoverySeconds?: number;
}

export type RowCounts = Omit<SummaryRow, 'scenario' | 'seconds' | 'passed'>;

const SUMMARY_FILE = join(tmpdir(), `fault-summary-${process.pid}.jsonl`);

export function recordRow(row: SummaryRow): void {
  appendFileSync(SUMMARY_FILE, `${JSON.stringify(row)}\n`);
}

export function summaryRows(): SummaryRow[] {
  if (!existsSync(SUMMARY_FILE)) return [];
  return readFileSync(SUMMARY_FILE, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as SummaryRow);
}

/** Removes summary files of earlier runs (older than 2 hours). */
function cleanOldSummaries(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!/^fault-summary-\d+\.jsonl$/.test(name)) continue;
    const path = join(tmpdir(), name);
    try {
      if (Date.now() - statSync(path).mtimeMs > 2 * 3600_000) unlinkSync(path);
    } catch {
      /* raced with another run */
    }
  }
}
cleanOldSummaries();

export function formatSummary(rows: SummaryRow[]): string {
  // The recovery column only appears once a scenario measured it (the cluster scenario).
  const withRecovery = rows.some((r) => r.recoverySeconds !== undefined);
  const recovery = (r: SummaryRow) => (withRecovery ? [r.recoverySeconds === undefined ? '-' : `${r.recoverySeconds.toFixed(1)} s`] : []);
  const header = ['scenario', 'orders', 'final', 'lost', 'duplicated', 'DLQ', ...(withRecovery ? ['recovery'] : []), 'time', 'result'];
  const cells = rows.map((r) => [
    r.scenario,
    String(r.orders),
    String(r.final),
    String(r.lost),
    String(r.duplicated),
    String(r.dlq),
    ...recovery(r),
    `${r.seconds.toFixed(1)} s`,
    r.passed ? 'ok' : 'FAIL',
  ]);
  const totals = rows.reduce(
    (t, r) => ({
      orders: t.orders + r.orders,
      final: t.final + r.final,
      lost: t.lost + r.lost,
      dup: t.dup + r.duplicated,
      dlq: t.dlq + r.dlq,
      s: t.s + r.seconds,
    }),
    {
      orders: 0,
      final: 0,
      lost: 0,
      dup: 0,
      dlq: 0,
      s: 0,
    },
  );
  const worst = Math.max(...rows.map((r) => r.recoverySeconds ?? 0));
  const totalRecovery = withRecovery ? [`${worst.toFixed(1)} s`] : [];
  const total = [
    'total',
    String(totals.orders),
    String(totals.final),
    String(totals.lost),
    String(totals.dup),
    String(totals.dlq),
    ...totalRecovery,
    `${totals.s.toFixed(1)} s`,
    rows.every((r) => r.passed) ? 'ok' : 'FAIL',
  ];
  const widths = header.map((h, i) => Math.max(h.length, total[i].length, ...cells.map((c) => c[i].length)));
  const numeric = (i: number) => i > 0 && i < header.length - 1;
  const line = (c: string[]) => `| ${c.map((v, i) => (numeric(i) ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (numeric(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(header), rule, ...cells.map(line), line(total)].join('\n');
}

/** Prints the table of every row recorded so far in this jest run (the last file prints the whole suite). */
export function printSummary(title = 'fault suite summary'): void {
  const rows = summaryRows();
  if (rows.length === 0) return;
  process.stdout.write(`\n${title}\n${formatSummary(rows)}\n\n`);
}

/** Runs a scenario body, timing it and recording its row whatever happens (a failed scenario is recorded as FAIL). */
export async function scenario(name: string, body: (signal: AbortSignal) => Promise<RowCounts>): Promise<void> {
  const started = Date.now();
  // Aborted when the body ends, so an order stream of a failed scenario stops instead of retrying on and on.
  const controller = new AbortController();
  let row: RowCounts = { orders: 0, final: 0, lost: 0, duplicated: 0, dlq: 0 };
  let error: unknown;
  try {
    row = await body(controller.signal);
  } catch (e) {
    error = e;
    const partial = (e as { row?: typeof row }).row;
    if (partial) row = partial;
  }
  controller.abort();
  recordRow({ scenario: name, ...row, seconds: (Date.now() - started) / 1000, passed: error === undefined });
  if (error) throw error instanceof Error ? error : new Error('the scenario failed with a value that is not an Error', { cause: error });
}

/**
 * Tracks which tests of a file finished their body: wrap each test body in `track(...)`, then `passed()` is true only
 * when every tracked test ran to its end. For files whose summary row covers several tests.
 */
export function testTracker(): {
  track: <A extends unknown[]>(fn: (...args: A) => Promise<void>) => (...args: A) => Promise<void>;
  passed: () => boolean;
  counts: () => { started: number; finished: number };
} {
  let started = 0;
  let finished = 0;
  return {
    track:
      (fn) =>
      async (...args) => {
        started++;
        await fn(...args);
        finished++;
      },
    passed: () => started > 0 && finished === started,
    counts: () => ({ started, finished }),
  };
}
