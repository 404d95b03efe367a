import { DATABASE, type Database } from '@app/persistence';
import { Inject, Injectable, Logger } from '@nestjs/common';

import { GatewayChargesRepository } from './gateway-charges.repository';
import { GatewayIdempotencyRepository } from './gateway-idempotency.repository';
import type { ChargeRequest, ChargeResult, PaymentGatewayBooks, RememberedCharge } from './payment-gateway.interfaces';

/** How long the gateway remembers an idempotency key, as real gateways do (Stripe: 24 h). */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1_000;
/** Expired keys are purged at most this often (the claim replaces an expired key anyway; this only frees space). */
const PURGE_INTERVAL_MS = 60 * 60 * 1_000;

/**
 * The simulated gateway's books in payment-service's database (tables `gateway_idempotency_keys` and
 * `gateway_charges`), written in a transaction of their own on the pool: never inside the handler's business
 * transaction, which the gateway cannot see, and committed before the gateway answers. So a SIGKILL of
 * payment-service between the charge and its own commit leaves the gateway remembering the charge, as an outside
 * gateway would, and the redelivery gets the same answer instead of a second charge.
 *
 * PGlite (one connection) runs transactions one at a time; the handler calls the gateway outside its own
 * transaction, so this one simply waits its turn and cannot deadlock against it.
 */
@Injectable()
export class DatabasePaymentGatewayBooks implements PaymentGatewayBooks {
  private readonly logger = new Logger('SimulatedPaymentGateway');
  private readonly keys = new GatewayIdempotencyRepository();
  private readonly charges = new GatewayChargesRepository();
  private lastPurge = 0;

  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async settle(request: ChargeRequest, fingerprint: string, fresh: ChargeResult): Promise<RememberedCharge> {
    const now = new Date();
    await this.purgeNowAndThen(now);
    return this.db.transaction(async (tx) => {
      const entry: RememberedCharge = { fingerprint, result: fresh };
      if (!(await this.keys.claim(tx, request.idempotencyKey, entry, now, new Date(now.getTime() + IDEMPOTENCY_RETENTION_MS)))) {
        const known = await this.keys.find(tx, request.idempotencyKey);
        if (known) return known;
        throw new Error(`idempotency key ${request.idempotencyKey} neither claimed nor found`); // cannot happen
      }
      if (fresh.outcome === 'approved') {
        await this.charges.append(tx, {
          orderId: request.orderId,
          idempotencyKey: request.idempotencyKey,
          amount: request.amount,
          currency: request.currency,
          transactionId: fresh.transactionId,
          chargedAt: now,
        });
      }
      return entry;
    });
  }

  private async purgeNowAndThen(now: Date): Promise<void> {
    if (now.getTime() - this.lastPurge < PURGE_INTERVAL_MS) return;
    this.lastPurge = now.getTime();
    await this.keys
      .purgeExpired(this.db, now)
      .catch((error: unknown) => this.logger.warn(`purging expired idempotency keys failed: ${String(error)}`));
  }
}
