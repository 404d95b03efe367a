import { type Migration, runMigrations } from '@app/persistence';
import type { TestingModule } from '@nestjs/testing';

import { runMigrationsCli } from '../../tools/db-migrate';
import { createTestDatabase, freePort, type TestDatabase } from '../support/stack';
import { runChild } from './support/child-process';
import { openMigrationConnection, query, startPersistence, testOptions } from './support/persistence-test.kit';

/** Not idempotent on purpose: running any of them twice would fail (duplicate table) or double the seed rows. */
function catalogMigrations(schema: string): Migration[] {
  return [
    { id: '0001_products', sql: `CREATE TABLE ${schema}.products (sku text PRIMARY KEY, available int NOT NULL)` },
    { id: '0002_seed', sql: `INSERT INTO ${schema}.products (sku, available) VALUES ('SKU-001', 100), ('SKU-002', 100)` },
  ];
}

async function appliedIds(url: string, schema: string): Promise<string[]> {
  const rows = await query<{ id: string }>(url, `SELECT id FROM ${schema}.schema_migrations ORDER BY id`);
  return rows.map((row) => row.id);
}

async function schemaExists(url: string, schema: string): Promise<boolean> {
  const rows = await query(url, 'SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [schema]);
  return rows.length === 1;
}

async function tableExists(url: string, schema: string, table: string): Promise<boolean> {
  const rows = await query(url, 'SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2', [schema, table]);
  return rows.length === 1;
}

describe('persistence migrations (real PostgreSQL)', () => {
  let db: TestDatabase;
  const modules: TestingModule[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('persistence_migrations');
  });

  afterEach(async () => {
    await Promise.all(modules.splice(0).map((m) => m.close()));
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('applies the outbox/inbox tables and the app migrations once, in order, at module start', async () => {
    const schema = 'catalog_once';
    modules.push(await startPersistence(testOptions({ schema, databaseUrl: db.url, migrations: catalogMigrations(schema) })));

    expect(await appliedIds(db.url, schema)).toEqual(['0001_products', '0002_seed', 'persistence:0001_outbox_inbox']);
    expect(await tableExists(db.url, schema, 'outbox')).toBe(true);
    expect(await tableExists(db.url, schema, 'inbox')).toBe(true);
    expect(await query(db.url, `SELECT sku, available FROM ${schema}.products ORDER BY sku`)).toEqual([
      { sku: 'SKU-001', available: 100 },
      { sku: 'SKU-002', available: 100 },
    ]);
  });

  it('is a no-op when started again on an up-to-date schema (module restart and direct run)', async () => {
    const schema = 'catalog_rerun';
    const options = testOptions({ schema, databaseUrl: db.url, migrations: catalogMigrations(schema) });
    const first = await startPersistence(options);
    const before = await query(db.url, `SELECT id, applied_at FROM ${schema}.schema_migrations ORDER BY id`);
    await first.close();

    // A second start must not fail on CREATE TABLE nor seed twice.
    modules.push(await startPersistence(options));
    expect(await query(db.url, `SELECT id, applied_at FROM ${schema}.schema_migrations ORDER BY id`)).toEqual(before);
    expect(await query(db.url, `SELECT count(*)::int AS n FROM ${schema}.products`)).toEqual([{ n: 2 }]);

    const connection = await openMigrationConnection(db.url);
    try {
      await expect(runMigrations(connection, schema, catalogMigrations(schema))).resolves.toEqual({ applied: [] });
    } finally {
      await connection.close();
    }
  });

  it('lets two app instances start at once on a fresh schema without conflict (advisory lock)', async () => {
    const schema = 'catalog_race';
    const options = testOptions({ schema, databaseUrl: db.url, migrations: catalogMigrations(schema) });
    const started = await Promise.allSettled([startPersistence(options), startPersistence(options)]);
    for (const result of started) if (result.status === 'fulfilled') modules.push(result.value);

    expect(started.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).toEqual(['ok', 'ok']);
    expect(await appliedIds(db.url, schema)).toEqual(['0001_products', '0002_seed', 'persistence:0001_outbox_inbox']);
    expect(await query(db.url, `SELECT count(*)::int AS n FROM ${schema}.products`)).toEqual([{ n: 2 }]);
  });

  it('applies pending migrations in exactly one of several concurrent runners; the others see them done', async () => {
    const schema = 'catalog_runners';
    const connections = await Promise.all([1, 2, 3, 4].map(() => openMigrationConnection(db.url)));
    try {
      const results = await Promise.all(connections.map((c) => runMigrations(c, schema, catalogMigrations(schema))));
      const appliers = results.filter((r) => r.applied.length > 0);
      expect(appliers).toEqual([{ applied: ['persistence:0001_outbox_inbox', '0001_products', '0002_seed'] }]);
      expect(results.filter((r) => r.applied.length === 0)).toHaveLength(3);
    } finally {
      await Promise.all(connections.map((c) => c.close()));
    }
    expect(await query(db.url, `SELECT count(*)::int AS n FROM ${schema}.products`)).toEqual([{ n: 2 }]);
  });

  it('rolls a failing first run back entirely and reports the failing migration id', async () => {
    const schema = 'catalog_broken';
    const migrations: Migration[] = [
      ...catalogMigrations(schema),
      { id: '0003_broken', sql: `ALTER TABLE ${schema}.products ADD COLUMN price int NOT NUL` },
    ];
    await expect(startPersistence(testOptions({ schema, databaseUrl: db.url, migrations }))).rejects.toThrow(
      /migration 0003_broken failed in schema catalog_broken/,
    );
    // One transaction: not even the schema (created in it) is left behind.
    expect(await schemaExists(db.url, schema)).toBe(false);
  });

  it('keeps earlier applied migrations and rolls back every pending one when a later migration fails', async () => {
    const schema = 'catalog_partial';
    const base = catalogMigrations(schema);
    const first = await startPersistence(testOptions({ schema, databaseUrl: db.url, migrations: base }));
    await first.close();

    const next: Migration[] = [
      ...base,
      { id: '0003_orders', sql: `CREATE TABLE ${schema}.orders (id text PRIMARY KEY)` },
      { id: '0004_bad_fk', sql: `ALTER TABLE ${schema}.orders ADD COLUMN sku text REFERENCES ${schema}.nowhere (sku)` },
    ];
    const connection = await openMigrationConnection(db.url);
    try {
      await expect(runMigrations(connection, schema, next)).rejects.toThrow(/migration 0004_bad_fk failed in schema catalog_partial: .*nowhere/);
    } finally {
      await connection.close();
    }
    expect(await appliedIds(db.url, schema)).toEqual(['0001_products', '0002_seed', 'persistence:0001_outbox_inbox']);
    expect(await tableExists(db.url, schema, 'orders')).toBe(false);
    expect(await query(db.url, `SELECT count(*)::int AS n FROM ${schema}.products`)).toEqual([{ n: 2 }]);

    // Fixed and rerun: the two pending ones apply.
    const fixed: Migration[] = [
      ...next.slice(0, 3),
      { id: '0004_bad_fk', sql: `ALTER TABLE ${schema}.orders ADD COLUMN sku text REFERENCES ${schema}.products (sku)` },
    ];
    modules.push(await startPersistence(testOptions({ schema, databaseUrl: db.url, migrations: fixed })));
    expect(await appliedIds(db.url, schema)).toEqual(['0001_products', '0002_seed', '0003_orders', '0004_bad_fk', 'persistence:0001_outbox_inbox']);
  });

  it('warns about, and does not re-run, a migration edited after it was applied', async () => {
    const schema = 'catalog_edited';
    const connection = await openMigrationConnection(db.url);
    const warnings: string[] = [];
    const logger = { log: () => undefined, warn: (message: string) => void warnings.push(message) };
    try {
      await runMigrations(connection, schema, catalogMigrations(schema), logger);
      const edited = catalogMigrations(schema).map((m) => (m.id === '0002_seed' ? { ...m, sql: `${m.sql}, ('SKU-003', 5)` } : m));
      await expect(runMigrations(connection, schema, edited, logger)).resolves.toEqual({ applied: [] });
    } finally {
      await connection.close();
    }
    expect(warnings).toEqual([expect.stringContaining('migration 0002_seed changed after it was applied to schema catalog_edited')]);
    expect(await query(db.url, `SELECT count(*)::int AS n FROM ${schema}.products`)).toEqual([{ n: 2 }]);
  });

  it('refuses duplicate migration ids and unsafe schema names before touching the database', async () => {
    const schema = 'catalog_dupes';
    const dupes: Migration[] = [
      { id: '0001_a', sql: `CREATE TABLE ${schema}.a (id int)` },
      { id: '0001_a', sql: `CREATE TABLE ${schema}.b (id int)` },
    ];
    await expect(startPersistence(testOptions({ schema, databaseUrl: db.url, migrations: dupes }))).rejects.toThrow(
      /migration id 0001_a appears twice/,
    );
    await expect(startPersistence(testOptions({ schema: 'public', databaseUrl: db.url }))).rejects.toThrow(/schema must be a lower-case identifier/);
    await expect(startPersistence(testOptions({ schema: 'x"; DROP SCHEMA y; --', databaseUrl: db.url }))).rejects.toThrow(/schema must be/);
    expect(await schemaExists(db.url, schema)).toBe(false);
  });

  describe('db:migrate (runMigrationsCli)', () => {
    let stdout: string[];
    let stderr: string[];

    beforeEach(() => {
      stdout = [];
      stderr = [];
      jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => stdout.push(String(chunk)) > 0);
      jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => stderr.push(String(chunk)) > 0);
    });

    afterEach(() => {
      jest.restoreAllMocks();
    });

    it('returns 0 and lists the applied migrations on a fresh database, then reports "up to date"', async () => {
      const fresh = await createTestDatabase('persistence_cli');
      try {
        const schema = 'cli_orders';
        const env = { DATABASE_URL: fresh.url };
        await expect(runMigrationsCli('order-service', schema, catalogMigrations(schema), env)).resolves.toBe(0);
        expect(stdout.join('')).toBe(
          'order-service: applied 3 migration(s) to schema cli_orders on PostgreSQL (DATABASE_URL): persistence:0001_outbox_inbox, 0001_products, 0002_seed\n',
        );
        expect(await appliedIds(fresh.url, schema)).toEqual(['0001_products', '0002_seed', 'persistence:0001_outbox_inbox']);

        stdout.length = 0;
        await expect(runMigrationsCli('order-service', schema, catalogMigrations(schema), env)).resolves.toBe(0);
        expect(stdout.join('')).toBe('order-service: schema cli_orders on PostgreSQL (DATABASE_URL) is up to date\n');
        expect(stderr).toEqual([]);
      } finally {
        await fresh.drop();
      }
    });

    it('returns 1 with the reason when nothing listens at DATABASE_URL', async () => {
      const port = await freePort();
      const env = { DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/nowhere` };
      await expect(runMigrationsCli('order-service', 'cli_orders', [], env)).resolves.toBe(1);
      expect(stderr.join('')).toMatch(/^order-service: migration failed: .*ECONNREFUSED/);
      expect(stdout).toEqual([]);
    });

    it('returns 1 with the reason when the database named in DATABASE_URL does not exist', async () => {
      const url = new URL(db.url);
      url.pathname = '/t_persistence_no_such_database';
      await expect(runMigrationsCli('order-service', 'cli_orders', [], { DATABASE_URL: url.toString() })).resolves.toBe(1);
      expect(stderr.join('')).toMatch(/^order-service: migration failed: database "t_persistence_no_such_database" does not exist/);
    });

    it('returns 1 naming the migration when one fails, leaving the schema untouched', async () => {
      const schema = 'cli_broken';
      const migrations: Migration[] = [...catalogMigrations(schema), { id: '0003_typo', sql: 'SELEC 1' }];
      await expect(runMigrationsCli('order-service', schema, migrations, { DATABASE_URL: db.url })).resolves.toBe(1);
      expect(stderr.join('')).toMatch(/order-service: migration failed: migration 0003_typo failed in schema cli_broken: syntax error/);
      expect(await schemaExists(db.url, schema)).toBe(false);
    });
  });

  describe('`npm run db:migrate` as a process', () => {
    const args = ['run', '--silent', 'db:migrate', '--', 'test/persistence/support/migration-plan.ts'];

    it('exits 0 and reports the applied ids on a fresh database, then "up to date"', async () => {
      const fresh = await createTestDatabase('persistence_npm');
      try {
        const first = await runChild('npm', args, { DATABASE_URL: fresh.url });
        expect(first).toEqual({
          code: 0,
          stderr: '',
          stdout:
            'cli-service: applied 3 migration(s) to schema cli_plan on PostgreSQL (DATABASE_URL): persistence:0001_outbox_inbox, 0001_widgets, 0002_seed\n',
        });
        expect(await query(fresh.url, 'SELECT id FROM cli_plan.widgets')).toEqual([{ id: 'w-1' }]);
        const second = await runChild('npm', args, { DATABASE_URL: fresh.url });
        expect(second).toEqual({ code: 0, stderr: '', stdout: 'cli-service: schema cli_plan on PostgreSQL (DATABASE_URL) is up to date\n' });
      } finally {
        await fresh.drop();
      }
    }, 60_000);

    it('exits non-zero with the reason for a bad DATABASE_URL', async () => {
      const port = await freePort();
      const result = await runChild('npm', args, { DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/nowhere` });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/cli-service: migration failed: .*ECONNREFUSED/);
    }, 60_000);
  });
});
