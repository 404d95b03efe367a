/**
 * Authentication for tests that are about it: a key pair of its own in a temporary directory, the environment that
 * makes order-service verify its tokens (overriding the AUTH_DISABLED=true every other test runs with), and minting.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

import { devAuthEnv, ensureDevKeyPair, mintToken, type TokenRequest } from '../../tools/dev-auth';

export interface TestAuth {
  /** Environment for order-service: verify tokens of this key pair. */
  env: Record<string, string>;
  publicKeyFile: string;
  privateKeyPem: string;
  /** A token for `subject` with the given scopes (default orders:write orders:read). */
  token(subject: string, scopes?: string[], extra?: Omit<TokenRequest, 'subject' | 'scopes'>): Promise<string>;
  /** Deletes the key pair. */
  cleanup(): void;
}

/** Creates a throwaway ES256 key pair and what a test needs around it. */
export function createTestAuth(): TestAuth {
  const dir = mkdtempSync(`${tmpdir()}/orders-auth-`);
  const keys = ensureDevKeyPair('.', dir);
  const privateKeyPem = readFileSync(keys.privateKeyFile, 'utf8');
  return {
    env: { ...devAuthEnv(keys), AUTH_DISABLED: '' },
    publicKeyFile: keys.publicKeyFile,
    privateKeyPem,
    token: (subject, scopes, extra = {}) => mintToken(privateKeyPem, { subject, scopes, ...extra }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
