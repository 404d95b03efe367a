import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { createRemoteJWKSet, importSPKI, type JWTVerifyGetKey } from 'jose';

import { type AuthConfig, authConfigFromEnv } from './auth.config';
import type { AuthEnvVars, JwtAlgorithm } from './auth.env';

/** Injection token of the {@link VerificationKey} the verifier checks signatures with. */
export const VERIFICATION_KEY = Symbol('VERIFICATION_KEY');

/** A key (or a JWKS lookup) plus the only algorithms tokens may be signed with. */
export interface VerificationKey {
  key: Awaited<ReturnType<typeof importSPKI>> | JWTVerifyGetKey;
  algorithms: JwtAlgorithm[];
  /** For the boot log: where the key came from. */
  description: string;
}

/** Cache and refresh of a remote JWKS: keys are kept ten minutes, and an unknown `kid` refetches at most every 30 s. */
export interface JwksCaching {
  cacheMaxAgeMs: number;
  cooldownMs: number;
  timeoutMs: number;
}

export const DEFAULT_JWKS_CACHING: JwksCaching = Object.freeze({ cacheMaxAgeMs: 600_000, cooldownMs: 30_000, timeoutMs: 5_000 });

/** The algorithm a PEM public key can verify: ES256 for EC P-256, RS256 for RSA of 2048 bits or more. */
function algorithmOf(key: KeyObject, file: string): JwtAlgorithm {
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1') return 'ES256';
  if (key.asymmetricKeyType === 'rsa' && (details?.modulusLength ?? 0) >= 2048) return 'RS256';
  throw new Error(
    `AUTH_JWT_PUBLIC_KEY_FILE ${file} holds a ${key.asymmetricKeyType} key; use an EC P-256 (ES256) or RSA >= 2048-bit (RS256) public key`,
  );
}

/**
 * Reads and checks a PEM public key file, synchronously so that boot can refuse a missing, private or unsupported
 * key with one line before anything starts. Returns the PEM and the one algorithm it verifies.
 */
export function readPemPublicKey(file: string, configured?: JwtAlgorithm): { pem: string; algorithm: JwtAlgorithm } {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`AUTH_JWT_PUBLIC_KEY_FILE cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}): ${file}`, { cause: error });
  }
  if (!pem.includes('-----BEGIN PUBLIC KEY-----')) {
    throw new Error(`AUTH_JWT_PUBLIC_KEY_FILE ${file} is not a PEM public key (-----BEGIN PUBLIC KEY-----); never give the API a private key`);
  }
  let algorithm: JwtAlgorithm;
  try {
    algorithm = algorithmOf(createPublicKey(pem), file);
  } catch (error) {
    if ((error as Error).message.startsWith('AUTH_')) throw error;
    throw new Error(`AUTH_JWT_PUBLIC_KEY_FILE ${file} is not a valid public key: ${(error as Error).message}`, { cause: error });
  }
  if (configured && configured !== algorithm) {
    throw new Error(`AUTH_JWT_ALGORITHM is ${configured} but the key in AUTH_JWT_PUBLIC_KEY_FILE is for ${algorithm}`);
  }
  return { pem, algorithm };
}

async function fromPem(file: string, configured?: JwtAlgorithm): Promise<VerificationKey> {
  const { pem, algorithm } = readPemPublicKey(file, configured);
  return { key: await importSPKI(pem, algorithm), algorithms: [algorithm], description: `${algorithm} public key ${file}` };
}

/**
 * The boot-time check of order-service (`runService`'s preflight): authentication is configured, or explicitly
 * disabled, and a PEM key file is readable and usable. Throws with the one line the operator sees.
 */
export function assertAuthUsable(env: AuthEnvVars): void {
  const config = authConfigFromEnv(env);
  if (config.mode === 'jwt' && config.source.kind === 'pem') readPemPublicKey(config.source.file, config.algorithm);
}

/**
 * Loads the verification key at boot: reads and imports the PEM file (a missing or unusable file stops the process
 * with the reason), or sets up a cached JWKS lookup, which jose refreshes when a token names a key it does not hold
 * (rotation) and when the cache ages out.
 */
export async function loadVerificationKey(config: AuthConfig, caching: JwksCaching = DEFAULT_JWKS_CACHING): Promise<VerificationKey | undefined> {
  if (config.mode === 'disabled') return undefined;
  if (config.source.kind === 'pem') return fromPem(config.source.file, config.algorithm);
  const jwks = createRemoteJWKSet(new URL(config.source.url), {
    cacheMaxAge: caching.cacheMaxAgeMs,
    cooldownDuration: caching.cooldownMs,
    timeoutDuration: caching.timeoutMs,
  });
  // With a JWKS each key's type picks its algorithm (jose never uses an EC key for RS256); unset means both families.
  return { key: jwks, algorithms: config.algorithm ? [config.algorithm] : ['ES256', 'RS256'], description: `JWKS ${config.source.url}` };
}
