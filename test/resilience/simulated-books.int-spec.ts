import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { lastJsonLine, runTs } from '../persistence/support/child-process';
import { createTestDatabase, type TestDatabase } from '../support/stack';

/**
 * The simulated payment gateway and notification provider keep their books (idempotency memory, log of what they
 * did) in the service's database, outside its transactions, so they behave like outside systems: a restarted service
 * gets the first answer again instead of a second charge or message. On both drivers the services run on.
 */
describe('the simulated gateway and provider books', () => {
  jest.setTimeout(120_000);
  const scenario = 'test/resilience/support/books-scenario.ts';
  let dataDir: string;
  let database: TestDatabase;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'books-pglite-'));
    database = await createTestDatabase('books');
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
    await database?.drop();
  });

  const expectations = (observed: Record<string, unknown>, driver: 'pglite' | 'postgres') => {
    expect(observed).toEqual({
      sameAnswerAfterRestart: true,
      approved: 'approved',
      concurrentDistinctAnswers: 1,
      chargesX: 1,
      chargesY: 1,
      declined: 'declined',
      sameDecline: true,
      chargesZ: 0,
      reused: 'PaymentRequestRejectedError',
      newAnswerAfterExpiry: true,
      chargesXAfterExpiry: 2,
      // PGlite has one connection: the gateway waits for the open business transaction; PostgreSQL runs it beside.
      settledWhileOpen: driver === 'postgres',
      duringResult: 'approved',
      chargesW: 1,
      sameMessageAfterRestart: true,
      concurrentDistinctMessages: 1,
      deliveriesX: 1,
      deliveriesY: 1,
      newMessageAfterExpiry: true,
      deliveriesXAfterExpiry: 2,
    });
  };

  it('on PGlite: one charge and one message per key across restarts and concurrent calls, forgotten after expiry', async () => {
    expectations(lastJsonLine(await runTs(scenario, ['pglite', dataDir], { DATABASE_URL: undefined })), 'pglite');
  });

  it('on PostgreSQL: the same', async () => {
    expectations(lastJsonLine(await runTs(scenario, ['postgres', database.url])), 'postgres');
  });
});
