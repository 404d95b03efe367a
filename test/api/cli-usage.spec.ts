import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { decodeJwt } from 'jose';

import { DEV_AUDIENCE, DEV_ISSUER } from '../../tools/dev-auth';
import { type CliIo, runCli } from '../../tools/dlq';
import { parseTokenArgs } from '../../tools/token';
import { REPO_ROOT } from '../support/stack';

/** Usage of the command-line tools, as the README gives it: --help answers 0, a usage error exits 2. */
describe('command-line usage', () => {
  function io() {
    const out: string[] = [];
    const err: string[] = [];
    const cli = { out: (line: string) => out.push(line), err: (line: string) => err.push(line), env: {} } as unknown as CliIo;
    return { cli, out, err };
  }

  it('npm run dlq without a command is a usage error (exit 2) that prints the usage', async () => {
    const c = io();
    expect(await runCli([], c.cli)).toBe(2);
    expect(c.err.join('\n')).toMatch(/a command is required[\s\S]*usage: npm run dlq/);
  });

  it('npm run dlq -- --help still answers 0 with the usage', async () => {
    const c = io();
    expect(await runCli(['--help'], c.cli)).toBe(0);
    expect(c.out.join('\n')).toMatch(/^usage: npm run dlq/);
  });

  it('npm run load -- --help prints the usage and exits 0; a bad option exits 2 with it', () => {
    const run = (args: string[]) =>
      spawnSync(
        process.execPath,
        ['node_modules/ts-node/dist/bin.js', '--transpile-only', '-r', 'tsconfig-paths/register', 'tools/load.ts', ...args],
        {
          cwd: REPO_ROOT,
          encoding: 'utf8',
          timeout: 30_000,
        },
      );
    const help = run(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run load/);
    const bad = run(['--rate']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--rate needs a value[\s\S]*usage: npm run load/);
  }, 60_000);

  it('npm run token parses a customer and scopes; a missing customer or an unknown scope is a usage error', () => {
    expect(parseTokenArgs(['c-1'])).toEqual({ subject: 'c-1', scopes: ['orders:write', 'orders:read'], ttlS: 3600 });
    expect(parseTokenArgs(['ops', '--scope', 'orders:admin', '--scope', 'orders:read orders:write', '--ttl', '60'])).toEqual({
      subject: 'ops',
      scopes: ['orders:admin', 'orders:read', 'orders:write'],
      ttlS: 60,
    });
    expect(() => parseTokenArgs([])).toThrow('a customerId is required');
    expect(() => parseTokenArgs(['c-1', '--scope', 'orders:delete'])).toThrow(/unknown scope orders:delete/);
  });

  it('npm run token -- <customerId> prints a token signed with the development key it creates under DATA_DIR/auth', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'orders-token-'));
    try {
      const run = (args: string[]) =>
        spawnSync(process.execPath, ['node_modules/ts-node/dist/bin.js', '--transpile-only', 'tools/token.ts', ...args], {
          cwd: REPO_ROOT,
          env: { ...process.env, DATA_DIR: dataDir },
          encoding: 'utf8',
          timeout: 30_000,
        });
      const result = run(['c-1']);
      expect(result.status).toBe(0);
      expect(result.stderr).toContain(`created the development key pair in ${join(dataDir, 'auth')}`);
      expect(decodeJwt(result.stdout.trim())).toMatchObject({ sub: 'c-1', scope: 'orders:write orders:read', iss: DEV_ISSUER, aud: DEV_AUDIENCE });
      expect(run(['--help']).stdout).toMatch(/^usage: npm run token/);
      expect(run([]).status).toBe(2);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
