import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

  it('refuses an embedded database a running process holds, naming it, and migrates it once that process is gone', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'migrate-pglite-'));
    // A child process plays the running payment-service: it has the service's PGlite folder open until its stdin ends.
    const holder = spawn(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        '-e',
        `require('./libs/persistence/src/database/database.connection')
          .openConnection({ serviceName: 'payment-service', dataDir: ${JSON.stringify(dataDir)} })
          .then((c) => { process.stdout.write('held\\n'); process.stdin.on('end', () => c.close().then(() => process.exit(0))).resume(); });`,
      ],
      { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const exited = new Promise((done) => holder.once('exit', done));
    await new Promise<void>((done, fail) => {
      holder.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('held') && done());
      holder.once('exit', (code) => fail(new Error(`the holder exited (${code}) before opening the database`)));
    });
    try {
      const refused = migrate({ DATABASE_URL: '', DATA_DIR: dataDir });
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain(
        `payment-service: migration failed: the embedded database under ${join(dataDir, 'payment-service')} is in use by process ${holder.pid} (payment-service): stop that process first`,
      );
      // The other services' folders are free and were migrated.
      expect(refused.stdout).toMatch(/order-service: applied \d+ migration/);
      holder.stdin.end();
      await exited;
      const after = migrate({ DATABASE_URL: '', DATA_DIR: dataDir });
      expect(after.status).toBe(0);
      expect(after.stdout).toMatch(/payment-service: applied \d+ migration/);
    } finally {
      if (holder.exitCode === null) holder.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);

  it('exits 1 with a message naming the failure when the database is unreachable', () => {
    const result = migrate({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/migration failed: .*ECONNREFUSED/);
  }, 60_000);
});
