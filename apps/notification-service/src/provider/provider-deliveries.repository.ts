import type { Database, Tx } from '@app/persistence';

import { providerDeliveries } from '../db/notification.schema';

/** Any Drizzle handle: the database or an open transaction. */
type Db = Database | Tx;

/** The simulated provider's delivery log (`notifications.provider_deliveries`): append only, one row per send. */
export class ProviderDeliveriesRepository {
  async append(db: Db, delivery: typeof providerDeliveries.$inferInsert): Promise<void> {
    await db.insert(providerDeliveries).values(delivery);
  }
}
