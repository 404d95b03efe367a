import type { MigrationPlan } from '@app/persistence';
import { validateEnv } from '@app/runtime';

import { InventoryServiceEnv } from '../config/inventory.env';
import { inventoryMigrations } from './inventory.migrations';

/** What `npm run db:migrate` applies for inventory-service, with the seed from the environment as at start. */
export function migrationPlan(raw: Record<string, string | undefined>): MigrationPlan {
  const env = validateEnv(InventoryServiceEnv, raw);
  return {
    serviceName: 'inventory-service',
    schema: 'inventory',
    migrations: inventoryMigrations({ count: env.INVENTORY_SEED_COUNT, stock: env.INVENTORY_SEED_STOCK }),
  };
}
