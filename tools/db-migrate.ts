/**
 * `npm run db:migrate`: applies a service's migrations without starting it (the services also migrate at start).
 *
 * The command is generic: without arguments it applies every `apps/<app>/src/db/migration-plan.ts`, and
 * `npm run db:migrate -- <module path> [export name]` loads a module exporting (default name `migrationPlan`)
 * `{ serviceName, schema, migrations }` or a function of the environment returning it.
 * The database comes from DATABASE_URL, else PGlite under DATA_DIR (default `.data`), exactly as the service does;
 * a PGlite folder a running service holds is refused with the reason (see `claimPgliteDir`), never opened twice.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { type Migration, type MigrationPlan, openConnection, runMigrations } from '@app/persistence';

/**
 * Applies `migrations` (plus the outbox/inbox tables) to `schema` and returns the process exit code:
 * 0 applied or up to date, 1 failed (reason on stderr).
 */
export async function runMigrationsCli(
  serviceName: string,
  schema: string,
  migrations: readonly Migration[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const target = env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `PGlite under ${env.DATA_DIR || '.data'}/${serviceName}`;
  let connection: Awaited<ReturnType<typeof openConnection>> | undefined;
  try {
    connection = await openConnection({
      serviceName,
      owner: `npm run db:migrate for ${serviceName}`,
      databaseUrl: env.DATABASE_URL || undefined,
      dataDir: env.DATA_DIR || '.data',
      poolSize: 1,
    });
    const { applied } = await runMigrations(connection, schema, migrations, {
      log: () => undefined,
      warn: (m) => process.stderr.write(`warning: ${m}\n`),
    });
    process.stdout.write(
      applied.length
        ? `${serviceName}: applied ${applied.length} migration(s) to schema ${schema} on ${target}: ${applied.join(', ')}\n`
        : `${serviceName}: schema ${schema} on ${target} is up to date\n`,
    );
    return 0;
  } catch (error) {
    process.stderr.write(`${serviceName}: migration failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

/** Every `apps/<app>/src/db/migration-plan.ts` under `root`: what `npm run db:migrate` applies without arguments. */
function discoverPlans(root: string): string[] {
  const apps = join(root, 'apps');
  if (!existsSync(apps)) return [];
  return readdirSync(apps)
    .sort()
    .map((app) => join(apps, app, 'src', 'db', 'migration-plan.ts'))
    .filter((path) => existsSync(path));
}

async function loadPlan(modulePath: string, exportName: string): Promise<MigrationPlan | string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require(resolve(modulePath)) as Record<string, unknown>;
  const exported = loaded[exportName] ?? loaded.default;
  // A function receives the environment (inventory-service's seed depends on it, as at the service's start).
  const plan = (typeof exported === 'function' ? await (exported as (env: NodeJS.ProcessEnv) => unknown)(process.env) : exported) as
    MigrationPlan | undefined;
  if (!plan || typeof plan.serviceName !== 'string' || typeof plan.schema !== 'string' || !Array.isArray(plan.migrations)) {
    return `${modulePath}: export "${exportName}" is not { serviceName, schema, migrations }`;
  }
  return plan;
}

/**
 * `db:migrate [module...] [export name]`: applies each module's plan in turn; no module: every app's
 * `src/db/migration-plan.ts`. Exit code 0 when all applied or were up to date, 1 when one failed, 2 on bad usage.
 */
async function main(argv: string[]): Promise<number> {
  const paths = argv.filter((arg) => arg.includes('/') || /\.(ts|js)$/.test(arg));
  const exportName = argv.find((arg) => !paths.includes(arg)) ?? 'migrationPlan';
  const modules = paths.length ? paths : discoverPlans(process.cwd());
  if (!modules.length) {
    process.stderr.write('usage: npm run db:migrate -- [<module exporting { serviceName, schema, migrations }>...] [export name]\n');
    return 2;
  }
  let status = 0;
  for (const modulePath of modules) {
    const plan = await loadPlan(modulePath, exportName);
    if (typeof plan === 'string') {
      process.stderr.write(`${plan}\n`);
      return 2;
    }
    status = Math.max(status, await runMigrationsCli(plan.serviceName, plan.schema, plan.migrations));
  }
  return status;
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
