import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { lastJsonLine, runChild, runTs } from './support/child-process';

/**
 * Smoke test of the embedded mode (`npm start` without DATABASE_URL): the same module on PGlite under DATA_DIR.
 * PGlite runs in child Node processes (see support/pglite-scenario.ts for why), two of them in sequence on one
 * directory, so "survives a restart" means a real process restart.
 */
describe('persistence on embedded PGlite (no DATABASE_URL)', () => {
  jest.setTimeout(120_000);
  const scenario = 'test/persistence/support/pglite-scenario.ts';
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'persistence-pglite-'));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  interface WritePhase {
    directoryCreated: boolean;
    ping: { latencyMs: number };
    committed: string[];
    published: string[];
    attempts: string[];
    rolledBack: string;
    rollback: string;
    inboxEvent: string;
    firstRun: unknown;
    secondRun: unknown;
    pending: string;
    businessDuringHangingPublish: string;
    unsentBeforeClose: number;
  }

  interface ReopenPhase {
    migrations: string[];
    things: string[];
    inboxAgain: unknown;
    published: string[];
    extraPass: unknown;
    sentRows: number;
  }

  it('migrates, relays the outbox, dedupes the inbox, and keeps everything across close and a process restart', async () => {
    const write = lastJsonLine<WritePhase>(await runTs(scenario, [dataDir, 'write'], { DATABASE_URL: undefined }));
    expect(write.directoryCreated).toBe(true);
    expect(write.ping.latencyMs).toEqual(expect.any(Number));
    expect(write.rollback).toBe('rolled back');
    expect(write.published).toEqual(write.committed);
    expect(write.attempts).not.toContain(write.rolledBack);
    expect(write.firstRun).toEqual({ duplicate: false, result: 'first' });
    expect(write.secondRun).toEqual({ duplicate: true });
    expect(write.unsentBeforeClose).toBe(1);
    expect(write.businessDuringHangingPublish).toBe('completed');

    const reopen = lastJsonLine<ReopenPhase>(await runTs(scenario, [dataDir, 'reopen', write.inboxEvent], { DATABASE_URL: undefined }));
    expect(reopen.migrations).toEqual(['0001_things', 'persistence:0001_outbox_inbox']);
    expect([...reopen.things].sort()).toEqual([...write.committed.slice(0, 2), 'during-hang'].sort());
    expect(reopen.inboxAgain).toEqual({ duplicate: true });
    // Only the row still pending at shutdown goes out; rows sent before the restart are not sent again.
    expect(reopen.published).toEqual([write.pending]);
    expect(reopen.extraPass).toEqual({ published: 0, rejected: 0, failed: false });
    expect(reopen.sentRows).toBe(4);
  });

  it('`npm run db:migrate` applies a plan to PGlite under DATA_DIR, then reports it up to date', async () => {
    const env = { DATABASE_URL: undefined, DATA_DIR: dataDir };
    const args = ['run', '--silent', 'db:migrate', '--', 'test/persistence/support/migration-plan.ts'];
    const first = await runChild('npm', args, env);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toBe(
      `cli-service: applied 3 migration(s) to schema cli_plan on PGlite under ${dataDir}/cli-service: persistence:0001_outbox_inbox, 0001_widgets, 0002_seed\n`,
    );
    const second = await runChild('npm', args, env);
    expect(second).toMatchObject({ code: 0, stdout: `cli-service: schema cli_plan on PGlite under ${dataDir}/cli-service is up to date\n` });
  });
});
