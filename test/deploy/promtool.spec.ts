/**
 * Prometheus' own checks of docker/prometheus: rule syntax and PromQL (`promtool check rules`), the configuration
 * with the rules it loads (`promtool check config`), and the alert unit tests of alerts.test.yaml (`promtool test
 * rules`: each alert fires, or stays quiet, on the series given). promtool comes with Debian's `prometheus` package
 * (.ci/run installs it); without it these tests are skipped with a note, except in CI, where that is a failure.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DOCKER_DIR } from './manifests';

const PROMTOOL = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0 ? 'promtool' : undefined;
const RUN_IN_CI = process.env.CI === 'true';

function promtool(...args: string[]): { status: number | null; output: string } {
  const result = spawnSync(PROMTOOL!, args, { cwd: join(DOCKER_DIR, 'prometheus'), encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}${result.error ? String(result.error) : ''}` };
}

describe('promtool on docker/prometheus', () => {
  if (!PROMTOOL) {
    if (RUN_IN_CI) {
      it('finds promtool on PATH (.ci/run installs the prometheus package)', () => {
        throw new Error('promtool is not on PATH: the alert rules were not checked');
      });
    } else {
      console.warn('promtool is not installed (apt-get install prometheus): the promtool checks of docker/prometheus are skipped');
      it.skip('promtool is not installed: checks skipped', () => undefined);
    }
    return;
  }

  it.each([
    ['check rules', ['check', 'rules', 'alerts.yaml'], /SUCCESS: \d+ rules found/],
    ['check config', ['check', 'config', 'prometheus.yaml'], /SUCCESS: .*prometheus\.yaml is valid/],
    ['test rules', ['test', 'rules', 'alerts.test.yaml'], /SUCCESS/],
  ])('promtool %s passes', (_, args, success) => {
    const { status, output } = promtool(...args);
    expect({ status, output }).toEqual({ status: 0, output: expect.stringMatching(success) });
  });

  it('rejects a rule with a broken expression (the check really runs)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'promtool-'));
    try {
      const broken = join(dir, 'broken.yaml');
      writeFileSync(broken, 'groups:\n  - name: broken\n    rules:\n      - alert: Broken\n        expr: sum by (job (up)\n');
      const { status, output } = promtool('check', 'rules', broken);
      expect(status).not.toBe(0);
      expect(output).toMatch(/parse error|FAILED/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
