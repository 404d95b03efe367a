/**
 * What the integration and end-to-end tests need outside Node, checked once before any test runs: without it
 * `npm test` used to fail ninety-odd tests one ECONNREFUSED at a time and leave nats-servers behind.
 */
import { connect } from 'nats';
import { Client } from 'pg';

import { DEFAULT_NATS_URL, findNatsServerBinary, PG_ADMIN_URL } from './stack';

/** One missing service: what, where, why, and how to get it. */
export interface MissingService {
  what: string;
  reason: string;
  fix: string[];
}

async function checkPostgres(url: string): Promise<MissingService | undefined> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return {
      what: `PostgreSQL at ${redact(url)} (set PG_TEST_URL to use another)`,
      reason: describe(error),
      fix: [
        'docker run -d --name pg-test -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust -e POSTGRES_DB=test postgres:17',
        'or: sudo apt-get install postgresql, allow trust for 127.0.0.1 in pg_hba.conf, createdb -U postgres test',
      ],
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function checkNats(url: string): Promise<MissingService | undefined> {
  const fix = ['nats-server -js -a 127.0.0.1 -p 4222 &      (or: docker compose -f docker/compose.yaml up -d nats)'];
  try {
    const nc = await connect({ servers: url, timeout: 3000, reconnect: false, name: 'npm-test-preflight' });
    const jetstream = nc.info?.jetstream === true;
    await nc.close();
    if (jetstream) return undefined;
    return { what: `NATS at ${url} (set NATS_URL to use another)`, reason: 'it runs without JetStream', fix: ['restart it with -js', ...fix] };
  } catch (error) {
    return { what: `NATS with JetStream at ${url} (set NATS_URL to use another)`, reason: describe(error), fix };
  }
}

/** Every service the selected tests need that does not answer (empty when all do). */
export async function missingServices(): Promise<MissingService[]> {
  const missing = await Promise.all([checkPostgres(PG_ADMIN_URL), checkNats(process.env.NATS_URL || DEFAULT_NATS_URL)]);
  if (!findNatsServerBinary()) {
    missing.push({
      what: 'the nats-server binary (tests start servers of their own)',
      reason: 'not found on PATH, /usr/sbin or /usr/local/bin',
      fix: ['sudo apt-get install nats-server && sudo systemctl disable --now nats-server', 'or: brew install nats-server'],
    });
  }
  return missing.filter((entry): entry is MissingService => entry !== undefined);
}

/** The one message `npm test` prints when something is missing. */
export function formatMissing(missing: MissingService[]): string {
  const lines = ['', 'These tests need services that do not answer:'];
  for (const entry of missing) {
    lines.push(`  - ${entry.what}: ${entry.reason}`);
    for (const fix of entry.fix) lines.push(`      ${fix}`);
  }
  lines.push('`bash .ci/run` installs and starts PostgreSQL and NATS, then runs the tests (as CI does).');
  lines.push('Unit tests alone need neither: npx jest apps libs', '');
  return lines.join('\n');
}

function describe(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown; errors?: Array<{ message?: unknown }> };
  // pg reports "connect ECONNREFUSED" per address in an AggregateError whose own message is empty.
  const message = typeof e?.message === 'string' && e.message ? e.message : e?.errors?.map((inner) => String(inner.message)).join(', ');
  return message || String(e?.code ?? error);
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
