import { spawnSync } from 'node:child_process';

import { type CliIo, runCli } from '../../libs/messaging/src/dlq/dlq.cli';
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
      spawnSync(process.execPath, ['node_modules/ts-node/dist/bin.js', '--transpile-only', '-r', 'tsconfig-paths/register', 'test/bench/load.ts', ...args], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        timeout: 30_000,
      });
    const help = run(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run load/);
    const bad = run(['--rate']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--rate needs a value[\s\S]*usage: npm run load/);
  }, 60_000);
});
