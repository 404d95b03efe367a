import { describe, withTimeout } from '@app/messaging';
import type { HealthIndicatorResult } from '@nestjs/terminus';

import type { ReadinessCheck } from './readiness.registry';

/**
 * Readiness checks for the dependencies of an event-driven service. Each takes the smallest structural view of
 * its source, so this library needs none of the others; each resolves (never throws) and is bounded by a timeout,
 * so `/health/ready` answers promptly with details even when a dependency hangs.
 */

const DEFAULT_TIMEOUT_MS = 1_500;

/** `work`, or an error saying what gave no answer within `timeoutMs`. */
function bounded<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  return withTimeout(work, timeoutMs, () => new Error(`${what}: no answer within ${timeoutMs} ms`));
}

const up = (key: string, details: object = {}): HealthIndicatorResult => ({ [key]: { status: 'up', ...details } });
const down = (key: string, message: string, details: object = {}): HealthIndicatorResult => ({
  [key]: { status: 'down', message, ...details },
});

/** The broker connection: down while disconnected or reconnecting. */
export function natsConnectionCheck(key: string, source: { connection(): { connected: boolean; server?: string; status?: string } }): ReadinessCheck {
  return () => {
    const state = source.connection();
    const { connected, ...details } = state;
    return Promise.resolve(connected ? up(key, details) : down(key, `not connected (${state.status ?? 'disconnected'})`, details));
  };
}

/** A JetStream API round trip (account info) within the timeout. */
export function jetStreamCheck(
  key: string,
  source: { jetstream(timeoutMs: number): Promise<{ ok: boolean; error?: string } & Record<string, unknown>> },
  timeoutMs = DEFAULT_TIMEOUT_MS,
): ReadinessCheck {
  return async () => {
    try {
      const { ok, error, ...details } = await bounded(source.jetstream(timeoutMs), timeoutMs + 500, 'JetStream');
      return ok ? up(key, details) : down(key, error ?? 'JetStream did not answer');
    } catch (error) {
      return down(key, describe(error));
    }
  };
}

/** The app's durable consumers: down when one is not running; pending and redelivered counts in the details. */
export function consumersCheck(
  key: string,
  source: { consumers(timeoutMs: number): Promise<Array<{ durable: string; running: boolean }>> },
  timeoutMs = DEFAULT_TIMEOUT_MS,
): ReadinessCheck {
  return async () => {
    try {
      const consumers = await bounded(source.consumers(timeoutMs), timeoutMs + 500, 'consumer info');
      const details = Object.fromEntries(consumers.map(({ durable, ...rest }) => [durable, rest]));
      const stopped = consumers.filter((consumer) => !consumer.running).map((consumer) => consumer.durable);
      return stopped.length ? down(key, `not running: ${stopped.join(', ')}`, { consumers: details }) : up(key, { consumers: details });
    } catch (error) {
      return down(key, describe(error));
    }
  };
}

/** The database ping, with the outbox backlog in its details (a backlog is information, not a failure). */
export function databaseCheck(
  key: string,
  source: { check(key: string, timeoutMs: number): Promise<HealthIndicatorResult> },
  timeoutMs = DEFAULT_TIMEOUT_MS,
): ReadinessCheck {
  return () => source.check(key, timeoutMs);
}

/**
 * Circuit breakers, one entry per dependency name (e.g. `payment-gateway`) with `state` closed, open or half-open. Always up:
 * an open breaker on an outside provider must not take the instance out of the load balancer (the messages that
 * need it wait and retry); the state is there for operators and alerts.
 */
export function breakersCheck(source: { health(): Record<string, object> }): ReadinessCheck {
  return () =>
    Promise.resolve(
      Object.fromEntries(Object.entries(source.health()).map(([name, details]) => [name, { ...details, status: 'up' }])) as HealthIndicatorResult,
    );
}
