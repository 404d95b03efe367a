import { DEFAULTS } from '../persistence.constants';
import type { OutboxRelayOptions } from '../persistence.interfaces';
import type { OutboxRow } from '../persistence.tables';
import { isBrokerRejection } from './outbox.errors';

/** What one `publishPending()` call did. */
export interface RelayPassResult {
  published: number;
  /** Rows the broker rejected in this pass; they wait for their own retry time. */
  rejected: number;
  /** True when publishing (or the database) failed and the pass stopped early; the rows stay unsent. */
  failed: boolean;
  error?: unknown;
}

/** The relay's state, for health details. */
export interface OutboxRelayStatus {
  running: boolean;
  /** Set while publishing fails: since when, and the last error. */
  outage?: { since: string; lastError: string };
}

export interface BatchResult {
  locked: number;
  published: number;
  rejected: number;
  failure?: unknown;
}

/** What publishing one batch did, recorded afterwards in the outbox table. */
export interface BatchOutcome {
  sent: string[];
  rejected: Array<{ row: OutboxRow; error: unknown }>;
  failure?: { row: OutboxRow; error: unknown };
}

/** The relay's settings: the module's `outbox` options over the defaults (non-positive numbers fall back). */
export function relaySettings(o: OutboxRelayOptions = {}) {
  return {
    enabled: o.enabled ?? true,
    batchSize: positive(o.batchSize, DEFAULTS.batchSize),
    sweepIntervalMs: positive(o.sweepIntervalMs, DEFAULTS.sweepIntervalMs),
    maxBackoffMs: positive(o.maxBackoffMs, DEFAULTS.maxBackoffMs),
    publishTimeoutMs: positive(o.publishTimeoutMs, DEFAULTS.publishTimeoutMs),
    retentionMs: o.retentionMs !== undefined && o.retentionMs >= 0 ? o.retentionMs : DEFAULTS.retentionMs,
    isRejection: o.isRejection ?? isBrokerRejection,
  };
}

export type RelaySettings = ReturnType<typeof relaySettings>;

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}
