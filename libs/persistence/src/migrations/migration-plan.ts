import type { Migration } from '../persistence.interfaces';

/** What `npm run db:migrate` (tools/db-migrate.ts) applies for one service: each app's `src/db/migration-plan.ts`. */
export interface MigrationPlan {
  serviceName: string;
  schema: string;
  migrations: readonly Migration[];
}
