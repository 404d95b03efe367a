import { randomUUID } from 'node:crypto';

import { createEvent, type EventEnvelope, Subjects } from '@app/contracts';
import type { EventOutbox, Tx, UnitOfWork } from '@app/persistence';
import { FakeEventOutbox, FakeUnitOfWork, type PublicPart } from '@app/persistence/testing';
import { DependencyUnavailableError } from '@app/resilience';
import type { ConfigService } from '@nestjs/config';

import type { PaymentServiceEnv } from '../config/payment.env';
import type { ChargeRequest, ChargeResult, PaymentGatewayClient } from '../gateway';
import type { PaymentRow, PaymentsRepository } from './payments.repository';
import { PaymentsService } from './payments.service';

class FakePaymentsRepository implements PublicPart<PaymentsRepository> {
  readonly rows = new Map<string, PaymentRow>();

  exists(_db: unknown, orderId: string) {
    return Promise.resolve(this.rows.has(orderId));
  }

  addOnce(_tx: Tx, row: PaymentRow) {
    if (this.rows.has(row.orderId)) return Promise.resolve(false);
    this.rows.set(row.orderId, row);
    return Promise.resolve(true);
  }
}

/** The gateway as the service sees it (behind its resilience policy): answers with `next`, or throws it. */
class FakeGateway implements PublicPart<PaymentGatewayClient> {
  readonly requests: ChargeRequest[] = [];
  next: ChargeResult | Error = { outcome: 'approved', transactionId: 'tx-1' };

  charge(request: ChargeRequest) {
    this.requests.push(request);
    return this.next instanceof Error ? Promise.reject(this.next) : Promise.resolve(this.next);
  }
}

const CONSUMER = 'payment-service-inventory-reserved';
const noTestHooks = { get: () => undefined } as unknown as ConfigService<PaymentServiceEnv, true>;

function reserved(orderId: string = randomUUID()): EventEnvelope<'inventory.reserved'> {
  return createEvent(
    Subjects.InventoryReserved,
    { orderId, customerId: 'c-1', currency: 'EUR', totalAmount: 2500, items: [{ sku: 'SKU-A', quantity: 1 }] },
    { source: 'inventory-service' },
  );
}

describe('PaymentsService', () => {
  let repository: FakePaymentsRepository;
  let gateway: FakeGateway;
  let outbox: FakeEventOutbox;
  let uow: FakeUnitOfWork;
  let service: PaymentsService;

  beforeEach(() => {
    repository = new FakePaymentsRepository();
    gateway = new FakeGateway();
    outbox = new FakeEventOutbox();
    uow = new FakeUnitOfWork(outbox);
    service = new PaymentsService(
      uow as unknown as UnitOfWork,
      outbox as unknown as EventOutbox,
      gateway as unknown as PaymentGatewayClient,
      repository,
      noTestHooks,
    );
  });

  it('charges the order total with the order id as idempotency key and emits payments.completed', async () => {
    const event = reserved();
    await service.charge(CONSUMER, event, false);

    expect(gateway.requests).toEqual([{ orderId: event.data.orderId, amount: 2500, currency: 'EUR', idempotencyKey: event.data.orderId }]);
    expect(repository.rows.get(event.data.orderId)).toMatchObject({ status: 'COMPLETED', transactionId: 'tx-1', reason: null });
    expect(outbox.types()).toEqual([Subjects.PaymentCompleted]);
    expect(outbox.events[0]).toMatchObject({ causationid: event.id, data: { paymentId: 'tx-1', amount: 2500 } });
  });

  it('reports a decline as payments.failed with reason DECLINED: an answer, not a failure', async () => {
    gateway.next = { outcome: 'declined', reason: 'insufficient funds' };
    await service.charge(CONSUMER, reserved(), false);

    expect(outbox.types()).toEqual([Subjects.PaymentFailed]);
    expect(outbox.events[0].data).toMatchObject({ reason: 'DECLINED', message: 'insufficient funds' });
  });

  it('lets an unavailable gateway fail the delivery (retried later) and records nothing, before the last delivery', async () => {
    gateway.next = new DependencyUnavailableError('payment-gateway', 'retries-exhausted');
    const event = reserved();
    await expect(service.charge(CONSUMER, event, false)).rejects.toBe(gateway.next);

    expect(repository.rows.size).toBe(0);
    expect(outbox.events).toEqual([]);
    expect(uow.handled.size).toBe(0);
  });

  it('fails the payment with reason UNAVAILABLE when the gateway is still down on the last delivery', async () => {
    gateway.next = new DependencyUnavailableError('payment-gateway', 'circuit-open');
    await service.charge(CONSUMER, reserved(), true);

    expect(outbox.types()).toEqual([Subjects.PaymentFailed]);
    expect(outbox.events[0].data).toMatchObject({ reason: 'UNAVAILABLE' });
  });

  it('never cancels for its own overload: a full bulkhead fails the delivery even on the last one', async () => {
    gateway.next = new DependencyUnavailableError('payment-gateway', 'bulkhead-full');
    await expect(service.charge(CONSUMER, reserved(), true)).rejects.toBe(gateway.next);
    expect(outbox.events).toEqual([]);
  });

  it('does not call the gateway again for an order already paid, and marks the event handled', async () => {
    const first = reserved();
    await service.charge(CONSUMER, first, false);
    const republished = reserved(first.data.orderId);
    await service.charge(CONSUMER, republished, false);

    expect(gateway.requests).toHaveLength(1);
    expect(outbox.types()).toEqual([Subjects.PaymentCompleted]);
    expect(uow.handled.has(`${CONSUMER}|${republished.id}`)).toBe(true);
  });

  it('emits nothing when a concurrent delivery recorded the payment between the charge and the commit', async () => {
    const event = reserved();
    gateway.charge = (request) => {
      void repository.addOnce({} as Tx, {
        orderId: request.orderId,
        status: 'COMPLETED',
        amount: 2500,
        currency: 'EUR',
        transactionId: 'tx-0',
        reason: null,
        createdAt: new Date(),
      });
      return Promise.resolve({ outcome: 'approved', transactionId: 'tx-1' });
    };
    await service.charge(CONSUMER, event, false);

    expect(repository.rows.get(event.data.orderId)?.transactionId).toBe('tx-0');
    expect(outbox.events).toEqual([]);
  });
});
