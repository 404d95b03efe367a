import type { MigrationPlan } from '@app/persistence';

import { PAYMENT_MIGRATIONS } from './payment.migrations';

/** What `npm run db:migrate` applies for payment-service (the service also migrates at start). */
export const migrationPlan: MigrationPlan = { serviceName: 'payment-service', schema: 'payments', migrations: PAYMENT_MIGRATIONS };
