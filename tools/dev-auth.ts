/**
 * The development key pair behind `npm start`, `npm run token` and `npm run load`, and token minting for tests:
 * an ES256 (P-256) key pair under `<DATA_DIR>/auth`, created once, whose public half order-service verifies with.
 * Only for local use: a real deployment verifies tokens from its identity provider (AUTH_JWKS_URL).
 */
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { importPKCS8, SignJWT } from 'jose';

/** `iss` and `aud` of development tokens (what `npm start` configures order-service to expect). */
export const DEV_ISSUER = 'urn:nest-jetstream-orders:dev';
export const DEV_AUDIENCE = 'orders-api';

/** Scopes a token gets when none are asked for: a customer placing and reading its own orders. */
export const DEFAULT_SCOPES = ['orders:write', 'orders:read'];

/** Where the development key pair lives. */
export interface DevKeyPair {
  dir: string;
  privateKeyFile: string;
  publicKeyFile: string;
}

/** Paths of the key pair under `<dataDir>/auth` (dataDir relative to `root`). */
export function devKeyPaths(dataDir: string, root = process.cwd()): DevKeyPair {
  const dir = resolve(root, dataDir, 'auth');
  return { dir, privateKeyFile: join(dir, 'jwt-private.pem'), publicKeyFile: join(dir, 'jwt-public.pem') };
}

/** Creates the key pair when it does not exist yet (the private key readable by its owner only) and returns its paths. */
export function ensureDevKeyPair(dataDir: string, root = process.cwd()): DevKeyPair & { created: boolean } {
  const paths = devKeyPaths(dataDir, root);
  if (existsSync(paths.privateKeyFile) && existsSync(paths.publicKeyFile)) return { ...paths, created: false };
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  const { privateKey, publicKey } = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  writeFileSync(paths.privateKeyFile, privateKey, { mode: 0o600 });
  chmodSync(paths.privateKeyFile, 0o600);
  writeFileSync(paths.publicKeyFile, publicKey);
  return { ...paths, created: true };
}

/** The environment that makes order-service verify tokens signed with this key pair. */
export function devAuthEnv(keys: Pick<DevKeyPair, 'publicKeyFile'>): Record<string, string> {
  return { AUTH_JWT_PUBLIC_KEY_FILE: keys.publicKeyFile, AUTH_JWT_ISSUER: DEV_ISSUER, AUTH_JWT_AUDIENCE: DEV_AUDIENCE };
}

/** What a minted token says; everything but the subject has a development default. */
export interface TokenRequest {
  subject: string;
  scopes?: string[];
  issuer?: string;
  audience?: string;
  /** Lifetime in seconds (default one hour); negative mints an already expired token. */
  expiresInS?: number;
  /** Seconds from now before which the token is not valid (`nbf`). */
  notBeforeS?: number;
}

/** Signs a development token (ES256) with the PEM (PKCS#8) private key. */
export async function mintToken(privateKeyPem: string, request: TokenRequest): Promise<string> {
  const key = await importPKCS8(privateKeyPem, 'ES256');
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ scope: (request.scopes ?? DEFAULT_SCOPES).join(' ') })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
    .setSubject(request.subject)
    .setIssuer(request.issuer ?? DEV_ISSUER)
    .setAudience(request.audience ?? DEV_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + (request.expiresInS ?? 3600));
  if (request.notBeforeS !== undefined) jwt.setNotBefore(now + request.notBeforeS);
  return jwt.sign(key);
}

/** Mints a token with the development private key under `<dataDir>/auth`; undefined when there is none. */
export async function mintDevToken(dataDir: string, request: TokenRequest, root = process.cwd()): Promise<string | undefined> {
  const { privateKeyFile } = devKeyPaths(dataDir, root);
  if (!existsSync(privateKeyFile)) return undefined;
  return mintToken(readFileSync(privateKeyFile, 'utf8'), request);
}
