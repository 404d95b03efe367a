/**
 * The simulated gateway's and provider's books kept in memory, for unit tests that run without a database. The
 * services never use these: their books are in the database so a crash of the service cannot erase them (see
 * simulated-books.int-spec.ts for the real ones).
 */
import type { ChargeRequest, ChargeResult, PaymentGatewayBooks, RememberedCharge } from '../../apps/payment-service/src/gateway';
import type { NotificationProviderBooks, SendReceipt, SendRequest } from '../../apps/notification-service/src/provider';

export class InMemoryGatewayBooks implements PaymentGatewayBooks {
  readonly keys = new Map<string, RememberedCharge>();
  readonly charges: Array<{ orderId: string; idempotencyKey: string; amount: number; transactionId: string }> = [];

  async settle(request: ChargeRequest, fingerprint: string, fresh: ChargeResult): Promise<RememberedCharge> {
    const known = this.keys.get(request.idempotencyKey);
    if (known) return known;
    const entry = { fingerprint, result: fresh };
    this.keys.set(request.idempotencyKey, entry);
    if (fresh.outcome === 'approved') {
      this.charges.push({ orderId: request.orderId, idempotencyKey: request.idempotencyKey, amount: request.amount, transactionId: fresh.transactionId });
    }
    return entry;
  }
}

export class InMemoryProviderBooks implements NotificationProviderBooks {
  readonly keys = new Map<string, SendReceipt>();
  readonly deliveries: Array<{ orderId: string; idempotencyKey: string; messageId: string }> = [];

  async settle(request: SendRequest, fresh: SendReceipt): Promise<SendReceipt> {
    const known = this.keys.get(request.idempotencyKey);
    if (known) return known;
    this.keys.set(request.idempotencyKey, fresh);
    this.deliveries.push({ orderId: request.orderId, idempotencyKey: request.idempotencyKey, messageId: fresh.messageId });
    return fresh;
  }
}
