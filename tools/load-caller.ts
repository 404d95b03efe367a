import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { decodeJwt } from 'jose';

import { mintDevToken } from './dev-auth';

const REPO_ROOT = resolve(__dirname, '..');

/**
 * The token the load generator sends and the customer it stands for (its `sub`, which every order must name):
 * `--token`, else one minted with `npm start`'s development key, else neither (a system with AUTH_DISABLED=true).
 * The token is decoded, not verified: order-service does that.
 */
export async function resolveCaller(token: string | undefined): Promise<{ token?: string; customerId?: string }> {
  if (!token) {
    if (existsSync(join(REPO_ROOT, '.env'))) process.loadEnvFile(join(REPO_ROOT, '.env'));
    token = await mintDevToken(process.env.DATA_DIR || '.data', { subject: 'load-generator', expiresInS: 6 * 3600 }, REPO_ROOT);
    if (!token) return {};
  }
  let subject: unknown;
  try {
    subject = decodeJwt(token).sub;
  } catch {
    throw new Error('--token is not a JWT');
  }
  if (typeof subject !== 'string' || !subject) throw new Error('--token has no sub (the customer its orders are placed for)');
  return { token, customerId: subject };
}
