import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { validateEnv } from '@app/runtime';
import { exportJWK, generateKeyPair, importPKCS8, type JWK, SignJWT } from 'jose';

import { type AuthConfig, authConfigFromEnv, AuthNotConfiguredError } from '../../apps/order-service/src/auth/auth.config';
import { JwtVerifier, TokenRejectedError } from '../../apps/order-service/src/auth/jwt-verifier';
import { assertAuthUsable, loadVerificationKey } from '../../apps/order-service/src/auth/verification-key';
import { OrderServiceEnv } from '../../apps/order-service/src/config/order.env';
import { DEV_AUDIENCE, DEV_ISSUER } from '../../tools/dev-auth';
import { createTestAuth, type TestAuth } from '../support/test-auth';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

async function verifierFor(config: AuthConfig, caching?: Parameters<typeof loadVerificationKey>[1]): Promise<JwtVerifier> {
  return new JwtVerifier(config, await loadVerificationKey(config, caching));
}

async function reasonOf(verifier: JwtVerifier, token: string): Promise<TokenRejectedError> {
  const error = await verifier.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TokenRejectedError);
  return error as TokenRejectedError;
}

describe('JwtVerifier with a PEM public key (ES256)', () => {
  let auth: TestAuth;
  let verifier: JwtVerifier;
  const pem = (file: string): AuthConfig => ({ mode: 'jwt', source: { kind: 'pem', file }, issuer: DEV_ISSUER, audience: DEV_AUDIENCE });

  beforeAll(async () => {
    auth = createTestAuth();
    verifier = await verifierFor(pem(auth.publicKeyFile));
  });
  afterAll(() => auth.cleanup());

  it('accepts a good token: the subject is the customer, the scope claim its scopes', async () => {
    const principal = await verifier.verify(await auth.token('c-1', ['orders:write', 'orders:read']));
    expect(principal).toEqual({ subject: 'c-1', scopes: new Set(['orders:write', 'orders:read']), unrestricted: false });
  });

  it.each([
    ['expired a minute ago', { expiresInS: -60 }, /ERR_JWT_EXPIRED/],
    ['not valid before a minute from now', { notBeforeS: 60 }, /nbf/],
    ['for another audience', { audience: 'another-api' }, /aud/],
    ['from another issuer', { issuer: 'https://evil.example' }, /iss/],
  ])('refuses a token %s', async (_, extra, reason) => {
    expect((await reasonOf(verifier, await auth.token('c-1', undefined, extra))).reason).toMatch(reason);
  });

  it('tolerates a few seconds of clock skew on exp, not more', async () => {
    await expect(verifier.verify(await auth.token('c-1', undefined, { expiresInS: -2 }))).resolves.toMatchObject({ subject: 'c-1' });
    await reasonOf(verifier, await auth.token('c-1', undefined, { expiresInS: -10 }));
  });

  it('refuses a token signed by another key (forged)', async () => {
    const other = createTestAuth();
    try {
      expect((await reasonOf(verifier, await other.token('c-1'))).reason).toMatch(/ERR_JWS_SIGNATURE_VERIFICATION_FAILED/);
    } finally {
      other.cleanup();
    }
  });

  it('refuses alg "none", HS256 keyed with the public key, and RS256', async () => {
    const claims = { sub: 'c-1', scope: 'orders:admin', iss: DEV_ISSUER, aud: DEV_AUDIENCE, exp: now() + 600 };
    expect((await reasonOf(verifier, `${b64({ alg: 'none' })}.${b64(claims)}.`)).reason).toMatch(/ERR_JOSE_ALG_NOT_ALLOWED|ERR_JWS_INVALID/);
    const hs = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(auth.privateKeyPem));
    expect((await reasonOf(verifier, hs)).reason).toMatch(/ERR_JOSE_ALG_NOT_ALLOWED/);
    const rsa = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const rs = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256' }).sign(await importPKCS8(rsa.privateKey, 'RS256'));
    expect((await reasonOf(verifier, rs)).reason).toMatch(/ERR_JOSE_ALG_NOT_ALLOWED/);
  });

  it('refuses malformed tokens, and tokens without exp or sub', async () => {
    expect((await reasonOf(verifier, 'not-a-jwt')).reason).toMatch(/ERR_JWS_INVALID/);
    const key = await importPKCS8(auth.privateKeyPem, 'ES256');
    const noExp = await new SignJWT({ sub: 'c-1' }).setProtectedHeader({ alg: 'ES256' }).setIssuer(DEV_ISSUER).setAudience(DEV_AUDIENCE).sign(key);
    expect((await reasonOf(verifier, noExp)).reason).toMatch(/exp/);
    const noSub = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(DEV_ISSUER)
      .setAudience(DEV_AUDIENCE)
      .setExpirationTime('5m')
      .sign(key);
    expect((await reasonOf(verifier, noSub)).reason).toMatch(/sub/);
  });

  it('loads RSA keys for RS256 only, and refuses a private key, a missing file, or a mismatched AUTH_JWT_ALGORITHM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orders-keys-'));
    try {
      const rsa = generateKeyPairSync('rsa', {
        modulusLength: 2048,
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      });
      writeFileSync(join(dir, 'rsa.pem'), rsa.publicKey);
      writeFileSync(join(dir, 'private.pem'), rsa.privateKey);
      expect((await loadVerificationKey(pem(join(dir, 'rsa.pem'))))?.algorithms).toEqual(['RS256']);
      const rs = await new SignJWT({ scope: 'orders:read' })
        .setProtectedHeader({ alg: 'RS256' })
        .setSubject('c-r')
        .setIssuer(DEV_ISSUER)
        .setAudience(DEV_AUDIENCE)
        .setExpirationTime('5m')
        .sign(await importPKCS8(rsa.privateKey, 'RS256'));
      await expect((await verifierFor(pem(join(dir, 'rsa.pem')))).verify(rs)).resolves.toMatchObject({ subject: 'c-r' });

      const base = { AUTH_JWT_ISSUER: DEV_ISSUER, AUTH_JWT_AUDIENCE: DEV_AUDIENCE, AUTH_DISABLED: false };
      expect(() => assertAuthUsable({ ...base, AUTH_JWT_PUBLIC_KEY_FILE: join(dir, 'private.pem') })).toThrow(/not a PEM public key/);
      expect(() => assertAuthUsable({ ...base, AUTH_JWT_PUBLIC_KEY_FILE: join(dir, 'missing.pem') })).toThrow(
        /AUTH_JWT_PUBLIC_KEY_FILE cannot be read \(ENOENT\)/,
      );
      expect(() => assertAuthUsable({ ...base, AUTH_JWT_PUBLIC_KEY_FILE: join(dir, 'rsa.pem'), AUTH_JWT_ALGORITHM: 'ES256' })).toThrow(
        /AUTH_JWT_ALGORITHM is ES256/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('JwtVerifier with a JWKS URL', () => {
  let server: Server;
  let keys: JWK[] = [];
  let fetches = 0;
  let url: string;

  async function signer(kid: string) {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
    const sign = (sub: string) =>
      new SignJWT({ scope: 'orders:read' })
        .setProtectedHeader({ alg: 'ES256', kid })
        .setSubject(sub)
        .setIssuer(DEV_ISSUER)
        .setAudience(DEV_AUDIENCE)
        .setExpirationTime('5m')
        .sign(privateKey);
    return { jwk, sign };
  }

  beforeAll(async () => {
    server = createServer((_request, response) => {
      fetches++;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it('fetches the keys once, and again when a token names a new key (rotation)', async () => {
    const first = await signer('k1');
    keys = [first.jwk];
    fetches = 0;
    const config: AuthConfig = { mode: 'jwt', source: { kind: 'jwks', url }, issuer: DEV_ISSUER, audience: DEV_AUDIENCE };
    const verifier = await verifierFor(config, { cacheMaxAgeMs: 600_000, cooldownMs: 0, timeoutMs: 2000 });
    for (let i = 0; i < 5; i++) await expect(verifier.verify(await first.sign('c-1'))).resolves.toMatchObject({ subject: 'c-1' });
    expect(fetches).toBe(1);

    const second = await signer('k2');
    keys = [second.jwk]; // the provider rotated: k1 is gone
    await expect(verifier.verify(await second.sign('c-2'))).resolves.toMatchObject({ subject: 'c-2' });
    expect(fetches).toBe(2);
    expect((await reasonOf(verifier, await first.sign('c-1'))).reason).toMatch(/ERR_JWKS_NO_MATCHING_KEY/);
  });

  it('says the keys are unavailable (503, not 401) when the JWKS cannot be fetched', async () => {
    const { sign } = await signer('k3');
    const config: AuthConfig = {
      mode: 'jwt',
      source: { kind: 'jwks', url: 'http://127.0.0.1:1/jwks.json' },
      issuer: DEV_ISSUER,
      audience: DEV_AUDIENCE,
    };
    const error = await reasonOf(await verifierFor(config), await sign('c-1'));
    expect(error.keysUnavailable).toBe(true);
  });
});

describe('authentication configuration', () => {
  const valid = (raw: Record<string, string>) => validateEnv(OrderServiceEnv, raw);

  it('without any AUTH_* variable the service refuses to start, naming the variables', () => {
    const env = valid({});
    expect(env.AUTH_DISABLED).toBe(false);
    expect(() => authConfigFromEnv(env)).toThrow(AuthNotConfiguredError);
    expect(() => authConfigFromEnv(env)).toThrow(
      /AUTH_JWT_PUBLIC_KEY_FILE or AUTH_JWKS_URL .*AUTH_JWT_ISSUER.*AUTH_JWT_AUDIENCE.*AUTH_DISABLED=true/,
    );
  });

  it('AUTH_DISABLED=true is allowed, except with NODE_ENV=production or together with a key', () => {
    expect(authConfigFromEnv(valid({ AUTH_DISABLED: 'true' }))).toEqual({ mode: 'disabled' });
    expect(() => valid({ AUTH_DISABLED: 'true', NODE_ENV: 'production' })).toThrow(/AUTH_DISABLED cannot be true when NODE_ENV=production/);
    expect(() => valid({ AUTH_DISABLED: 'yes' })).toThrow(/AUTH_DISABLED must be true or false/);
    const both = valid({ AUTH_DISABLED: 'true', AUTH_JWKS_URL: 'https://idp.example/jwks', AUTH_JWT_ISSUER: 'i', AUTH_JWT_AUDIENCE: 'a' });
    expect(() => authConfigFromEnv(both)).toThrow(/AUTH_DISABLED=true cannot be combined with AUTH_JWKS_URL/);
  });

  it('a key source needs the issuer and audience, and only one key source is allowed', () => {
    expect(() => valid({ AUTH_JWKS_URL: 'https://idp.example/jwks' })).toThrow(/AUTH_JWT_ISSUER must be set[\s\S]*AUTH_JWT_AUDIENCE must be set/);
    expect(() => valid({ AUTH_JWKS_URL: 'ftp://idp', AUTH_JWT_ISSUER: 'i', AUTH_JWT_AUDIENCE: 'a' })).toThrow(
      /AUTH_JWKS_URL must be an http\(s\):\/\/ URL/,
    );
    expect(() =>
      valid({ AUTH_JWKS_URL: 'https://idp.example/jwks', AUTH_JWT_PUBLIC_KEY_FILE: '/k.pem', AUTH_JWT_ISSUER: 'i', AUTH_JWT_AUDIENCE: 'a' }),
    ).toThrow(/AUTH_JWT_PUBLIC_KEY_FILE cannot be combined with AUTH_JWKS_URL/);
    expect(() => valid({ AUTH_JWT_ALGORITHM: 'HS256' })).toThrow(/AUTH_JWT_ALGORITHM must be one of ES256, RS256/);
    expect(authConfigFromEnv(valid({ AUTH_JWKS_URL: 'https://idp.example/jwks', AUTH_JWT_ISSUER: 'i', AUTH_JWT_AUDIENCE: 'a' }))).toMatchObject({
      mode: 'jwt',
      source: { kind: 'jwks', url: 'https://idp.example/jwks' },
    });
  });

  it('rate-limit variables have generous defaults and clear errors', () => {
    expect(valid({})).toMatchObject({ HTTP_RATE_LIMIT_MAX: 30_000, HTTP_RATE_LIMIT_WINDOW_MS: 60_000 });
    expect(() => valid({ HTTP_RATE_LIMIT_MAX: '0' })).toThrow(/HTTP_RATE_LIMIT_MAX must be an integer between 1 and 10000000/);
    expect(() => valid({ HTTP_CORS_ORIGINS: '*' })).toThrow(/HTTP_CORS_ORIGINS must be a comma-separated list of origins/);
  });
});
