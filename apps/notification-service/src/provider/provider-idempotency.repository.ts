import type { Database, Tx } from '@app/persistence';
import { eq, lte, sql } from 'drizzle-orm';

import { providerIdempotencyKeys } from '../db/notification.schema';
import type { SendReceipt } from './notification-provider.interfaces';

/** Any Drizzle handle: the database or an open transaction. */
type Db = Database | Tx;

/** The simulated provider's idempotency memory (`notifications.provider_idempotency_keys`): key -> message id. */
export class ProviderIdempotencyRepository {
  /**
   * Takes the key for `receipt` unless a live entry holds it; an expired entry is replaced, as a provider forgets keys
   * after its retention. Returns true when this call took the key. A concurrent claim of the same key waits on the
   * primary key until the first transaction ends, then finds it taken.
   */
  async claim(db: Db, key: string, receipt: SendReceipt, now: Date, expiresAt: Date): Promise<boolean> {
    const claimed = await db
      .insert(providerIdempotencyKeys)
      .values({ idempotencyKey: key, messageId: receipt.messageId, createdAt: now, expiresAt })
      .onConflictDoUpdate({
        target: providerIdempotencyKeys.idempotencyKey,
        set: { messageId: receipt.messageId, createdAt: now, expiresAt },
        setWhere: lte(providerIdempotencyKeys.expiresAt, sql`${now.toISOString()}::timestamptz`),
      })
      .returning({ key: providerIdempotencyKeys.idempotencyKey });
    return claimed.length > 0;
  }

  async find(db: Db, key: string): Promise<SendReceipt | undefined> {
    const [row] = await db
      .select({ messageId: providerIdempotencyKeys.messageId })
      .from(providerIdempotencyKeys)
      .where(eq(providerIdempotencyKeys.idempotencyKey, key))
      .limit(1);
    return row;
  }

  /** Forgets keys past their retention. */
  async purgeExpired(db: Db, now: Date): Promise<void> {
    await db.delete(providerIdempotencyKeys).where(lte(providerIdempotencyKeys.expiresAt, sql`${now.toISOString()}::timestamptz`));
  }
}
