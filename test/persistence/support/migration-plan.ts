/**
 * A plan for `npm run db:migrate -- test/persistence/support/migration-plan.ts` (see tools/db-migrate.ts),
 * used by the specs to run the CLI exactly as an operator would.
 */
import type { MigrationPlan } from '@app/persistence';

export const migrationPlan: MigrationPlan = {
  serviceName: 'cli-service',
  schema: 'cli_plan',
  migrations: [
    { id: '0001_widgets', sql: 'CREATE TABLE cli_plan.widgets (id text PRIMARY KEY)' },
    { id: '0002_seed', sql: "INSERT INTO cli_plan.widgets (id) VALUES ('w-1')" },
  ],
};
