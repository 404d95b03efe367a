import type { MigrationPlan } from '@app/persistence';

import { NOTIFICATION_MIGRATIONS } from './notification.migrations';

/** What `npm run db:migrate` applies for notification-service (the service also migrates at start). */
export const migrationPlan: MigrationPlan = { serviceName: 'notification-service', schema: 'notifications', migrations: NOTIFICATION_MIGRATIONS };
