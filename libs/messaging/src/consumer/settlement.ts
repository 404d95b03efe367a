import { isPermanentError } from '../errors/messaging.errors';
import { describeFailure } from '../messaging.utils';

/** What the handler did with one delivery. */
export type HandlerOutcome = { ok: true } | { ok: false; error: unknown } | { ok: false; poison: string };

/** How the transport settles that delivery. */
export type Settlement = { action: 'ack' } | { action: 'nak'; delayMs: number; reason: string } | { action: 'dead-letter'; reason: string };

/** The consumer settings the decision depends on. */
export interface SettlementPolicy {
  maxDeliver: number;
  backoffMs: readonly number[];
}

/**
 * The settlement decision as a pure function (DESIGN.md "JetStream topology"): success acks; undecodable bytes
 * (poison) and a `PermanentError` go to the DLQ at once, since retrying cannot fix them; the last allowed delivery
 * goes to the DLQ with the error of that delivery; any other failure is nak'ed with the schedule's delay for this
 * delivery, never without one (a nak without delay burns max_deliver in milliseconds).
 */
export function decideSettlement(outcome: HandlerOutcome, deliveryCount: number, policy: SettlementPolicy): Settlement {
  if (outcome.ok) return { action: 'ack' };
  if ('poison' in outcome) return { action: 'dead-letter', reason: outcome.poison };
  const reason = describeFailure(outcome.error);
  if (isPermanentError(outcome.error)) return { action: 'dead-letter', reason: `permanent: ${reason}` };
  if (deliveryCount >= policy.maxDeliver) {
    return { action: 'dead-letter', reason: `max deliveries (${deliveryCount}) exhausted: ${reason}` };
  }
  return { action: 'nak', delayMs: backoffDelay(policy.backoffMs, deliveryCount), reason };
}

/** nak delay for the given (1-based) delivery: backoff[delivery - 1], the last entry repeating. */
export function backoffDelay(backoffMs: readonly number[], deliveryCount: number): number {
  if (backoffMs.length === 0) return 0;
  return backoffMs[Math.min(Math.max(deliveryCount, 1) - 1, backoffMs.length - 1)];
}

/** Nest's RPC exception filter output (`{ status: 'error', message }`), which hides the original exception. */
export function isNestWrappedError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && !(error instanceof Error) && (error as { status?: unknown }).status === 'error';
}
