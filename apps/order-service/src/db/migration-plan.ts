import type { MigrationPlan } from '@app/persistence';

import { ORDER_MIGRATIONS } from './order.migrations';

/** What `npm run db:migrate` applies for order-service (the service also migrates at start). */
export const migrationPlan: MigrationPlan = { serviceName: 'order-service', schema: 'orders', migrations: ORDER_MIGRATIONS };
