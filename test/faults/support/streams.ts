/**
 * What the fault suite reads from JetStream: the events stored in the saga's streams, the DLQ's size, and the state
 * of the durable consumers (which messages a service holds unacknowledged, whether anything can still be redelivered).
 */
import { connect, type NatsConnection } from 'nats';

import { scanStream } from '../../../libs/messaging/src/dlq/dead-letters';
import type { Json } from '../../support/json';
import type { ServiceName } from '../../support/stack';

/** The streams of the saga, one per owning service. */
export const SAGA_STREAMS = ['ORDERS', 'INVENTORY', 'PAYMENTS', 'NOTIFICATIONS'] as const;

/** Every event stored in the four saga streams, grouped by order id and type (distinct event ids and copies). */
export async function storedEvents(natsUrl: string): Promise<Map<string, Map<string, { ids: Set<string>; copies: number }>>> {
  const nc = await connect({ servers: natsUrl.split(','), name: 'fault-audit' });
  try {
    const byOrder = new Map<string, Map<string, { ids: Set<string>; copies: number }>>();
    for (const stream of SAGA_STREAMS) {
      for (const { data } of await readStream(nc, stream)) {
        let event: Json;
        try {
          event = JSON.parse(Buffer.from(data).toString('utf8'));
        } catch {
          continue; // poison injected by a test
        }
        const orderId = event?.data?.orderId;
        if (typeof orderId !== 'string' || typeof event.type !== 'string') continue;
        const types = byOrder.get(orderId) ?? new Map();
        byOrder.set(orderId, types);
        const entry = types.get(event.type) ?? { ids: new Set<string>(), copies: 0 };
        types.set(event.type, entry);
        entry.ids.add(event.id);
        entry.copies++;
      }
    }
    return byOrder;
  } finally {
    await nc.close();
  }
}

/** All messages of a stream (optionally filtered), oldest first. */
export async function readStream(
  nc: NatsConnection,
  stream: string,
  filter?: string,
): Promise<{ subject: string; data: Uint8Array; headers?: Json; seq: number }[]> {
  const jsm = await nc.jetstreamManager();
  const messages = await scanStream(jsm, stream, filter ?? '>').catch((error: Error) => {
    if (/stream not found/i.test(error.message)) return [];
    throw error;
  });
  return messages.map((m) => ({ subject: m.subject, data: m.data, headers: m.header, seq: m.seq }));
}

/** Number of messages in the DLQ stream (0 when it does not exist yet). */
export async function dlqCount(natsUrl: string): Promise<number> {
  const nc = await connect({ servers: natsUrl.split(','), name: 'fault-dlq-count' });
  try {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info('DLQ').catch(() => undefined);
    return info?.state.messages ?? 0;
  } finally {
    await nc.close();
  }
}

/** One durable consumer as the server sees it. */
export interface ConsumerState {
  stream: string;
  durable: string;
  /** Delivered and not acknowledged yet: a consumer holding these dies with work in progress. */
  ackPending: number;
  /** Not delivered yet. */
  pending: number;
  redelivered: number;
}

/** The durable consumers of the saga streams, optionally only those of one service (`<service>__<subject>`). */
export async function consumerStates(natsUrl: string, service?: ServiceName): Promise<ConsumerState[]> {
  const nc = await connect({ servers: natsUrl.split(','), name: 'fault-consumers' });
  try {
    const jsm = await nc.jetstreamManager();
    const states: ConsumerState[] = [];
    for (const stream of SAGA_STREAMS) {
      const consumers = await jsm.consumers
        .list(stream)
        .next()
        .catch(() => []);
      for (const info of consumers) {
        if (service && !info.name.startsWith(`${service}__`)) continue;
        states.push({ stream, durable: info.name, ackPending: info.num_ack_pending, pending: info.num_pending, redelivered: info.num_redelivered });
      }
    }
    return states;
  } finally {
    await nc.close();
  }
}

/**
 * True when no saga consumer has anything outstanding (nothing unacknowledged, nothing undelivered): from then on
 * the server has nothing it could redeliver, so a count taken now cannot be overtaken by a late duplicate.
 */
export async function consumersIdle(natsUrl: string): Promise<boolean> {
  const states = await consumerStates(natsUrl);
  return states.length > 0 && states.every((s) => s.ackPending === 0 && s.pending === 0);
}
