import { EventCatalog } from './events/event-catalog';
import { Streams, Subjects } from './index';
import { ALL_SUBJECTS, isSubject, streamForSubject } from './subjects';

describe('subjects and streams', () => {
  it('declares the nine saga subjects once each', () => {
    expect([...ALL_SUBJECTS]).toEqual([
      'orders.created',
      'orders.confirmed',
      'orders.cancelled',
      'inventory.reserved',
      'inventory.rejected',
      'inventory.released',
      'payments.completed',
      'payments.failed',
      'notifications.sent',
    ]);
    expect(Subjects.OrderCreated).toBe('orders.created');
    expect(Subjects.NotificationSent).toBe('notifications.sent');
  });

  it('declares one stream per bounded context', () => {
    expect(Streams.map((s) => [s.name, s.subjects])).toEqual([
      ['ORDERS', ['orders.>']],
      ['INVENTORY', ['inventory.>']],
      ['PAYMENTS', ['payments.>']],
      ['NOTIFICATIONS', ['notifications.>']],
    ]);
  });

  it('finds the stream of every subject with NATS wildcard rules', () => {
    expect(streamForSubject('orders.created')?.name).toBe('ORDERS');
    expect(streamForSubject('inventory.released')?.name).toBe('INVENTORY');
    expect(streamForSubject('payments.failed')?.name).toBe('PAYMENTS');
    expect(streamForSubject('notifications.sent')?.name).toBe('NOTIFICATIONS');
    expect(streamForSubject('dlq.inventory-service.orders.created')?.name).toBe('DLQ');
    expect(streamForSubject('orders')).toBeUndefined();
    expect(streamForSubject('shipping.created')).toBeUndefined();
    for (const subject of ALL_SUBJECTS) expect(streamForSubject(subject)).toBeDefined();
  });

  it('has a catalog entry with a current version and a DTO for every subject', () => {
    expect(Object.keys(EventCatalog).sort()).toEqual([...ALL_SUBJECTS].sort());
    for (const subject of ALL_SUBJECTS) {
      expect(EventCatalog[subject].currentVersion).toMatch(/^[1-9][0-9]*$/);
      expect(typeof EventCatalog[subject].dto).toBe('function');
    }
    expect(EventCatalog['orders.created'].currentVersion).toBe('2');
  });

  it('tells known subjects from anything else', () => {
    expect(isSubject('orders.created')).toBe(true);
    expect(isSubject('orders.shipped')).toBe(false);
    expect(isSubject(42)).toBe(false);
  });
});
