import { DATABASE, type Database } from '@app/persistence';
import { Inject, Injectable, Logger } from '@nestjs/common';

import type { NotificationProviderBooks, SendReceipt, SendRequest } from './notification-provider.interfaces';
import { ProviderDeliveriesRepository } from './provider-deliveries.repository';
import { ProviderIdempotencyRepository } from './provider-idempotency.repository';

/** How long the provider remembers an idempotency key (a day, as payment gateways and e-mail APIs commonly do). */
export const PROVIDER_IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1_000;
/** Expired keys are purged at most this often (the claim replaces an expired key anyway; this only frees space). */
const PURGE_INTERVAL_MS = 60 * 60 * 1_000;

/**
 * The simulated provider's books in notification-service's database (tables `provider_idempotency_keys` and
 * `provider_deliveries`), written in a transaction of their own on the pool: never inside the handler's business
 * transaction, and committed before the provider answers. So a SIGKILL of notification-service between the send and
 * its own commit leaves the provider remembering the message, and the redelivery does not reach the customer twice.
 *
 * PGlite (one connection) runs transactions one at a time; the handler calls the provider outside its own
 * transaction, so this one simply waits its turn and cannot deadlock against it.
 */
@Injectable()
export class DatabaseNotificationProviderBooks implements NotificationProviderBooks {
  private readonly logger = new Logger('SimulatedNotificationProvider');
  private readonly keys = new ProviderIdempotencyRepository();
  private readonly deliveries = new ProviderDeliveriesRepository();
  private lastPurge = 0;

  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async settle(request: SendRequest, fresh: SendReceipt): Promise<SendReceipt> {
    const now = new Date();
    await this.purgeNowAndThen(now);
    return this.db.transaction(async (tx) => {
      if (!(await this.keys.claim(tx, request.idempotencyKey, fresh, now, new Date(now.getTime() + PROVIDER_IDEMPOTENCY_RETENTION_MS)))) {
        const known = await this.keys.find(tx, request.idempotencyKey);
        if (known) return known;
        throw new Error(`idempotency key ${request.idempotencyKey} neither claimed nor found`); // cannot happen
      }
      await this.deliveries.append(tx, {
        orderId: request.orderId,
        idempotencyKey: request.idempotencyKey,
        recipient: request.recipient,
        template: request.template,
        messageId: fresh.messageId,
        sentAt: now,
      });
      return fresh;
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
