import type { Database, Tx } from '@app/persistence';

import { gatewayCharges } from '../db/payment.schema';

/** Any Drizzle handle: the database or an open transaction. */
type Db = Database | Tx;

/** The simulated gateway's charge log (`payments.gateway_charges`): append only, one row per charge made. */
export class GatewayChargesRepository {
  async append(db: Db, charge: typeof gatewayCharges.$inferInsert): Promise<void> {
    await db.insert(gatewayCharges).values(charge);
  }
}
