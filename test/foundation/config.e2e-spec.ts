import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { assertBundlesFresh, REPO_ROOT, SERVICES } from '../support/stack';

/** Runs a built app with a bad environment; it must refuse to start. */
function runWith(service: string, env: Record<string, string>) {
  assertBundlesFresh();
  const started = Date.now();
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'dist', 'apps', service, 'main.js')], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { ...result, elapsedMs: Date.now() - started, output: `${result.stdout}${result.stderr}` };
}

describe('a bad configuration value stops the process at boot', () => {
  it.each([
    ['PORT', 'abc'],
    ['PORT', '99999'],
    ['NATS_URL', 'nope'],
    ['LOG_LEVEL', 'loud'],
    ['LOG_FORMAT', 'xml'],
    ['DATABASE_URL', 'mysql://db/orders'],
  ])('%s=%s: non-zero exit within seconds, one short message naming the variable', (name, value) => {
    const result = runWith('order-service', { [name]: value });
    expect(result.status).not.toBe(0);
    expect(result.status).not.toBeNull();
    expect(result.elapsedMs).toBeLessThan(15_000);
    expect(result.stderr).toContain(`${name} `);
    expect(result.stderr).toContain(JSON.stringify(value));
    expect(result.output).not.toMatch(/^\s+at /m); // no stack-trace wall
    expect(result.output.trim().split('\n').length).toBeLessThanOrEqual(3);
  });

  it.each(SERVICES.map((s) => s.name))('%s validates its environment too', (service) => {
    const result = runWith(service, { PORT: 'abc' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('PORT');
  });
});
