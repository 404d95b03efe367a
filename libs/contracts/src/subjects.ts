/**
 * Subjects and streams of the order saga, declared once for every service.
 *
 * RENAMING A SUBJECT OR A STREAM NEEDS A MIGRATION PLAN: subjects are wire contracts (durable consumers are named
 * after them, outside consumers subscribe to them, the DLQ keeps them in headers) and stream names identify stored
 * data. Add new names; never rename old ones in place.
 */
import { DLQ_STREAM_SPEC } from '@app/messaging';

export const Subjects = {
  OrderCreated: 'orders.created',
  OrderConfirmed: 'orders.confirmed',
  OrderCancelled: 'orders.cancelled',
  InventoryReserved: 'inventory.reserved',
  InventoryRejected: 'inventory.rejected',
  InventoryReleased: 'inventory.released',
  PaymentCompleted: 'payments.completed',
  PaymentFailed: 'payments.failed',
  NotificationSent: 'notifications.sent',
} as const;

/** One event type; the subject it is published on is the same string. */
export type Subject = (typeof Subjects)[keyof typeof Subjects];

/** Every subject, in saga order. */
export const ALL_SUBJECTS: readonly Subject[] = Object.freeze(Object.values(Subjects));

/** Tells whether a string is one of the known event types. */
export function isSubject(value: unknown): value is Subject {
  return typeof value === 'string' && (ALL_SUBJECTS as readonly string[]).includes(value);
}

/** A JetStream stream declaration; structurally compatible with `StreamSpec` of @app/messaging. */
export interface StreamDeclaration {
  name: string;
  subjects: string[];
  description?: string;
}

/** One stream per bounded context, each created and updated only by the service that owns it. */
export const Streams: readonly StreamDeclaration[] = Object.freeze([
  { name: 'ORDERS', subjects: ['orders.>'], description: 'Order lifecycle events; owned by order-service.' },
  { name: 'INVENTORY', subjects: ['inventory.>'], description: 'Stock reservation events; owned by inventory-service.' },
  { name: 'PAYMENTS', subjects: ['payments.>'], description: 'Payment outcomes; owned by payment-service.' },
  {
    name: 'NOTIFICATIONS',
    subjects: ['notifications.>'],
    description: 'Customer notifications sent; owned by notification-service.',
  },
]);

/**
 * The stream holding `subject` (dead letters, `dlq.<service>.<original subject>`, are in the DLQ stream that
 * @app/messaging declares), matched with NATS wildcard rules (`*` one token, `>` the rest); undefined if none. */
export function streamForSubject(subject: string): StreamDeclaration | undefined {
  return [...Streams, DLQ_STREAM_SPEC].find((stream) => stream.subjects.some((filter) => subjectMatches(filter, subject)));
}

function subjectMatches(filter: string, subject: string): boolean {
  const wanted = filter.split('.');
  const tokens = subject.split('.');
  for (let i = 0; i < wanted.length; i++) {
    if (wanted[i] === '>') return tokens.length > i;
    if (i >= tokens.length) return false;
    if (wanted[i] !== '*' && wanted[i] !== tokens[i]) return false;
  }
  return wanted.length === tokens.length;
}
