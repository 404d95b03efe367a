import type { Database, Tx } from '@app/persistence';
import { eq, lte, sql } from 'drizzle-orm';

import { gatewayIdempotencyKeys } from '../db/payment.schema';
import type { RememberedCharge } from './payment-gateway.interfaces';

/** Any Drizzle handle: the database or an open transaction. */
type Db = Database | Tx;

/** The simulated gateway's idempotency memory (`payments.gateway_idempotency_keys`): key -> first answer. */
export class GatewayIdempotencyRepository {
  /**
   * Takes the key for `entry` unless a live entry holds it; an expired entry is replaced, as a gateway forgets keys
   * after its retention. Returns true when this call took the key. A concurrent claim of the same key waits on the
   * primary key until the first transaction ends, then finds it taken.
   */
  async claim(db: Db, key: string, entry: RememberedCharge, now: Date, expiresAt: Date): Promise<boolean> {
    const claimed = await db
      .insert(gatewayIdempotencyKeys)
      .values({ idempotencyKey: key, fingerprint: entry.fingerprint, result: entry.result, createdAt: now, expiresAt })
      .onConflictDoUpdate({
        target: gatewayIdempotencyKeys.idempotencyKey,
        set: { fingerprint: entry.fingerprint, result: entry.result, createdAt: now, expiresAt },
        setWhere: lte(gatewayIdempotencyKeys.expiresAt, sql`${now.toISOString()}::timestamptz`),
      })
      .returning({ key: gatewayIdempotencyKeys.idempotencyKey });
    return claimed.length > 0;
  }

  async find(db: Db, key: string): Promise<RememberedCharge | undefined> {
    const [row] = await db
      .select({ fingerprint: gatewayIdempotencyKeys.fingerprint, result: gatewayIdempotencyKeys.result })
      .from(gatewayIdempotencyKeys)
      .where(eq(gatewayIdempotencyKeys.idempotencyKey, key))
      .limit(1);
    return row;
  }

  /** Forgets keys past their retention. */
  async purgeExpired(db: Db, now: Date): Promise<void> {
    await db.delete(gatewayIdempotencyKeys).where(lte(gatewayIdempotencyKeys.expiresAt, sql`${now.toISOString()}::timestamptz`));
  }
}
