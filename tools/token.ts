/**
 * `npm run token -- <customerId> [--scope <scope>]... [--ttl <seconds>]`: prints a development bearer token for
 * the orders API, signed with the key pair `npm start` configures order-service with (created under
 * `<DATA_DIR>/auth` when missing). Only for local use: production tokens come from the identity provider.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { DEFAULT_SCOPES, ensureDevKeyPair, mintDevToken } from './dev-auth';

const REPO_ROOT = resolve(__dirname, '..');
const KNOWN_SCOPES = ['orders:write', 'orders:read', 'orders:admin'];

/** What `npm run token -- --help` prints. */
export const TOKEN_USAGE = `usage: npm run token -- <customerId> [--scope <scope>]... [--ttl <seconds>]

Prints a development bearer token for the orders API (its sub is the customer), signed with the key pair under
DATA_DIR/auth that npm start configures order-service with.
  --scope   orders:write, orders:read or orders:admin; repeat it or separate with spaces
            (default: ${DEFAULT_SCOPES.join(' ')})
  --ttl     lifetime in seconds (default 3600)
example: curl -H "authorization: Bearer $(npm run --silent token -- c-1)" localhost:3000/orders
exit codes: 0 printed, 2 bad usage`;

/** Thrown for --help: print the usage and exit 0. */
class HelpRequested extends Error {}

/** Parses the command line; throws HelpRequested for --help and an Error (exit 2) for bad usage. */
export function parseTokenArgs(argv: string[]): { subject: string; scopes: string[]; ttlS: number } {
  if (argv.includes('--help') || argv.includes('-h')) throw new HelpRequested();
  let subject: string | undefined;
  const scopes: string[] = [];
  let ttlS = 3600;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--scope' || arg === '--ttl') {
      const value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new Error(`${arg} needs a value`);
      if (arg === '--ttl') {
        ttlS = Number(value);
        if (!Number.isInteger(ttlS) || ttlS < 1) throw new Error('--ttl must be a whole number of seconds >= 1');
      } else {
        scopes.push(...value.split(' ').filter(Boolean));
      }
    } else if (arg.startsWith('--')) {
      throw new Error(`unknown option ${arg}`);
    } else if (subject === undefined) {
      subject = arg;
    } else {
      throw new Error(`unexpected argument "${arg}"`);
    }
  }
  if (!subject) throw new Error('a customerId is required');
  if (subject.length > 128) throw new Error('the customerId must be at most 128 characters');
  const unknown = scopes.filter((scope) => !KNOWN_SCOPES.includes(scope));
  if (unknown.length) throw new Error(`unknown scope ${unknown.join(', ')}: use ${KNOWN_SCOPES.join(', ')}`);
  return { subject, scopes: scopes.length ? scopes : DEFAULT_SCOPES, ttlS };
}

async function main(): Promise<void> {
  if (existsSync(join(REPO_ROOT, '.env'))) process.loadEnvFile(join(REPO_ROOT, '.env'));
  const { subject, scopes, ttlS } = parseTokenArgs(process.argv.slice(2));
  const dataDir = process.env.DATA_DIR || '.data';
  const keys = ensureDevKeyPair(dataDir, REPO_ROOT);
  if (keys.created) process.stderr.write(`created the development key pair in ${keys.dir} (restart npm start to use it)\n`);
  const token = await mintDevToken(dataDir, { subject, scopes, expiresInS: ttlS }, REPO_ROOT);
  process.stdout.write(`${token}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    if (error instanceof HelpRequested) {
      process.stdout.write(`${TOKEN_USAGE}\n`);
      return;
    }
    process.stderr.write(`token: ${error instanceof Error ? error.message : String(error)}\n\n${TOKEN_USAGE}\n`);
    process.exit(2);
  });
}
