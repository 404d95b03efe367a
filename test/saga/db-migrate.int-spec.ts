import { spawnSync } from 'node:child_process';

import { Client } from 'pg';

import { createTestDatabase, REPO_ROOT, type TestDatabase } from '../support/stack';

/** `npm run db:migrate` without arguments migrates every app's schema, as the services do at start. */
describe('npm run db:migrate', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('migrate');
  });

  afterAll(async () => {
    await database?.drop();
  });

  const migrate = (env: Record<string, string>) =>
    spawnSync('npm', ['run', '--silent', 'db:migrate'], { cwd: REPO_ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });

  it('creates the four schemas with their seed, then reports them up to date', async () => {
    const first = migrate({ DATABASE_URL: database.url, INVENTORY_SEED_COUNT: '3', INVENTORY_SEED_STOCK: '7' });
    expect(first.status).toBe(0);
    for (const service of ['order-service', 'inventory-service', 'payment-service', 'notification-service']) {
      expect(first.stdout).toMatch(new RegExp(`${service}: applied \\d+ migration`));
    }
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query('select sku, available from inventory.products order by sku');
      expect(rows).toEqual([
        { sku: 'SKU-001', available: 7 },
        { sku: 'SKU-002', available: 7 },
        { sku: 'SKU-003', available: 7 },
      ]);
    } finally {
      await client.end();
    }
    const second = migrate({ DATABASE_URL: database.url });
    expect(second.status).toBe(0);
    expect(second.stdout.match(/is up to date/g)).toHaveLength(4);
  }, 120_000);

  it('exits 1 with a message naming the failure when the database is unreachable', () => {
    const result = migrate({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/migration failed: .*ECONNREFUSED/);
  }, 60_000);
});
