import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  createTestDatabase,
  freePort,
  type NatsServerProcess,
  REPO_ROOT,
  type ServiceProcess,
  startNatsServer,
  startService,
  type TestDatabase,
  waitForHttp,
} from '../support/stack';
import { createTestAuth, type TestAuth } from '../support/test-auth';

/**
 * Who may do what on the orders API, against the built order-service with bearer authentication on: 401 for every
 * kind of bad token (the reason in the log only), 403 for a missing scope or another customer, 404 for another
 * customer's order, the admin scope, open probes and documents, per-caller rate limits, and refusal to start
 * without authentication configured.
 */
describe('the orders API at the edge', () => {
  let auth: TestAuth;
  let forger: TestAuth;
  let nats: NatsServerProcess;
  let database: TestDatabase;
  let dataDir: string;
  let service: ServiceProcess;
  let api: string;
  const extra: ServiceProcess[] = [];
  const body = (customerId: string) => ({ customerId, currency: 'EUR', items: [{ sku: 'SKU-001', quantity: 1, unitPrice: 100 }] });

  async function call(
    path: string,
    options: { token?: string; method?: string; body?: unknown; base?: string; headers?: Record<string, string> } = {},
  ) {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${options.base ?? api}${path}`, {
      method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, body: text.startsWith('{') ? JSON.parse(text) : text };
  }

  async function boot(env: Record<string, string>): Promise<{ service: ServiceProcess; base: string }> {
    const port = await freePort();
    const started = startService('order-service', {
      NATS_URL: nats.url,
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
      ...env,
    });
    extra.push(started);
    const base = `http://127.0.0.1:${port}`;
    try {
      // Live, not ready: readiness waits for the other services' streams, which this test does not start.
      await waitForHttp(`${base}/health/live`, { timeoutMs: 60_000 });
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${started.output().slice(-3000)}`, { cause: error });
    }
    return { service: started, base };
  }

  beforeAll(async () => {
    auth = createTestAuth();
    forger = createTestAuth();
    dataDir = mkdtempSync(join(tmpdir(), 'orders-auth-data-'));
    nats = await startNatsServer({ port: await freePort(), storeDir: join(dataDir, 'nats') });
    database = await createTestDatabase('auth');
    ({ service, base: api } = await boot(auth.env));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(extra.map((s) => s.stop('SIGTERM', 10_000).catch(() => undefined)));
    await nats?.stop().catch(() => undefined);
    await database?.drop().catch(() => undefined);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    auth?.cleanup();
    forger?.cleanup();
  }, 60_000);

  describe('401: no valid token', () => {
    const cases: [string, () => Promise<Record<string, string>>, string | RegExp][] = [
      ['no Authorization header', async () => ({}), 'no Authorization header'],
      ['another scheme (Basic)', async () => ({ authorization: 'Basic YTpi' }), 'Authorization header is not'],
      ['a malformed token', async () => ({ authorization: 'Bearer not.a.jwt' }), 'ERR_JWS_INVALID'],
      [
        'a forged token (another key)',
        async () => ({ authorization: `Bearer ${await forger.token('c-1')}` }),
        'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
      ],
      ['an expired token', async () => ({ authorization: `Bearer ${await auth.token('c-1', undefined, { expiresInS: -120 })}` }), 'ERR_JWT_EXPIRED'],
      [
        'a token for another audience',
        async () => ({ authorization: `Bearer ${await auth.token('c-1', undefined, { audience: 'billing-api' })}` }),
        'ERR_JWT_CLAIM_VALIDATION_FAILED (aud)',
      ],
      [
        'an unsigned token (alg none)',
        async () => {
          const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
          return { authorization: `Bearer ${part({ alg: 'none' })}.${part({ sub: 'c-1', scope: 'orders:admin', exp: 4102444800 })}.` };
        },
        /ERR_JOSE_ALG_NOT_ALLOWED|ERR_JWS_INVALID/,
      ],
    ];

    it.each(cases)('%s: 401 problem+json with WWW-Authenticate: Bearer; the reason in the log, not the answer', async (_, headers, reason) => {
      for (const [method, path, payload] of [
        ['POST', '/orders', body('c-1')],
        ['GET', '/orders', undefined],
        ['GET', `/orders/${crypto.randomUUID()}`, undefined],
      ] as const) {
        const response = await call(path, { method, body: payload, headers: await headers() });
        expect(response.status).toBe(401);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="orders"/);
        expect(response.body).toMatchObject({ status: 401, title: 'Unauthorized', detail: 'A valid bearer token is required.' });
        expect(response.text).not.toMatch(/ERR_|expired|audience|signature/i);
      }
      expect(service.output()).toEqual(reason instanceof RegExp ? expect.stringMatching(reason) : expect.stringContaining(reason));
    });
  });

  describe('403, 404 and customer isolation', () => {
    let alice: string;
    let bob: string;
    let admin: string;
    let aliceOrder: string;
    let bobOrder: string;

    beforeAll(async () => {
      alice = await auth.token('alice');
      bob = await auth.token('bob');
      admin = await auth.token('ops', ['orders:admin']);
      aliceOrder = (await call('/orders', { token: alice, body: body('alice') })).body.id;
      bobOrder = (await call('/orders', { token: bob, body: body('bob') })).body.id;
    });

    it('orders:write places orders as the token subject only: another customerId is refused with 403', async () => {
      expect(aliceOrder).toEqual(expect.any(String));
      const response = await call('/orders', { token: alice, body: body('bob') });
      expect(response.status).toBe(403);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.body.detail).toMatch(/customerId must be the subject/);
    });

    it('a token without the scope a route needs gets 403 naming the scope', async () => {
      const readOnly = await auth.token('alice', ['orders:read']);
      const post = await call('/orders', { token: readOnly, body: body('alice') });
      expect(post.status).toBe(403);
      expect(post.headers.get('www-authenticate')).toBe('Bearer realm="orders", error="insufficient_scope", scope="orders:write"');
      const writeOnly = await auth.token('alice', ['orders:write']);
      expect((await call(`/orders/${aliceOrder}`, { token: writeOnly })).status).toBe(403);
      expect((await call('/orders', { token: writeOnly })).status).toBe(403);
      expect((await call('/orders', { token: await auth.token('alice', []) })).status).toBe(403);
    });

    it("GET /orders/:id: one's own order 200; another customer's 404, exactly like an id that does not exist", async () => {
      expect((await call(`/orders/${aliceOrder}`, { token: alice })).body).toMatchObject({ id: aliceOrder, customerId: 'alice' });
      const foreign = await call(`/orders/${bobOrder}`, { token: alice });
      const missing = await call(`/orders/${crypto.randomUUID()}`, { token: alice });
      expect(foreign.status).toBe(404);
      expect(missing.status).toBe(404);
      const shape = (problem: Record<string, string>) => ({ ...problem, detail: problem.detail.replace(/[0-9a-f-]{36}/, 'ID'), instance: undefined });
      expect(shape(foreign.body)).toEqual(shape(missing.body));
    });

    it("GET /orders lists only the caller's orders; naming another customer is 403", async () => {
      const own = await call('/orders', { token: alice });
      expect(own.status).toBe(200);
      expect(own.body.items.map((o: { id: string }) => o.id)).toEqual([aliceOrder]);
      expect((await call('/orders?customerId=alice', { token: alice })).body.items).toHaveLength(1);
      expect((await call('/orders?customerId=bob', { token: alice })).status).toBe(403);
    });

    it('orders:admin reads any order and lists every customer, filtered or not', async () => {
      expect((await call(`/orders/${bobOrder}`, { token: admin })).body).toMatchObject({ id: bobOrder, customerId: 'bob' });
      const all = (await call('/orders', { token: admin })).body.items.map((o: { id: string }) => o.id);
      expect(all).toEqual(expect.arrayContaining([aliceOrder, bobOrder]));
      expect((await call('/orders?customerId=bob', { token: admin })).body.items.map((o: { id: string }) => o.id)).toEqual([bobOrder]);
      // Admin is for reading: it places orders as itself like anyone else (and needs orders:write for that).
      expect((await call('/orders', { token: admin, body: body('ops') })).status).toBe(403);
    });
  });

  describe('open by design', () => {
    it('probes, metrics and the OpenAPI document need no token', async () => {
      expect((await call('/health/live')).status).toBe(200);
      expect([200, 503]).toContain((await call('/health/ready')).status); // not ready without the other services, never 401
      expect((await call('/metrics')).status).toBe(200);
      expect((await call('/docs')).status).toBe(200);
      expect((await call('/docs-json')).status).toBe(200);
    });

    it('the OpenAPI document declares the bearer scheme and each route its scopes and 401/403/429', async () => {
      const doc = (await call('/docs-json')).body;
      expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
      expect(doc.paths['/orders'].post.security).toEqual([{ bearer: ['orders:write'] }]);
      for (const operation of [doc.paths['/orders'].get, doc.paths['/orders/{id}'].get]) {
        expect(operation.security).toEqual([{ bearer: ['orders:read'] }, { bearer: ['orders:admin'] }]);
        expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '403', '429']));
      }
      expect(doc.paths['/health/live'].get.security).toBeUndefined();
    });

    it('answers carry security headers, and no CORS headers unless origins are configured', async () => {
      const response = await call('/orders', { token: await auth.token('alice'), headers: { origin: 'https://evil.example' } });
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  it('429 with Retry-After once a caller spends its budget; other callers and probes are unaffected; CORS for configured origins', async () => {
    const { base } = await boot({
      ...auth.env,
      HTTP_RATE_LIMIT_MAX: '3',
      HTTP_RATE_LIMIT_WINDOW_MS: '60000',
      HTTP_CORS_ORIGINS: 'https://shop.example',
    });
    expect((await call('/health/live', { base, headers: { origin: 'https://shop.example' } })).headers.get('access-control-allow-origin')).toBe(
      'https://shop.example',
    );
    expect((await call('/health/live', { base, headers: { origin: 'https://evil.example' } })).headers.get('access-control-allow-origin')).toBeNull();
    const carol = await auth.token('carol');
    for (let i = 0; i < 3; i++) expect((await call('/orders', { token: carol, base })).status).toBe(200);
    const limited = await call('/orders', { token: carol, base });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.body).toMatchObject({ status: 429, title: 'Too Many Requests' });
    expect((await call('/orders', { token: await auth.token('dave'), base })).status).toBe(200);
    // A fresh token of the same subject is the same caller.
    expect((await call('/orders', { token: await auth.token('carol'), base })).status).toBe(429);
    for (let i = 0; i < 5; i++) expect((await call('/health/live', { base })).status).toBe(200);
  }, 90_000);

  describe('refusal to start unprotected', () => {
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, [join(REPO_ROOT, 'dist', 'apps', 'order-service', 'main.js')], {
        cwd: REPO_ROOT,
        env: { ...process.env, AUTH_DISABLED: '', AUTH_JWT_PUBLIC_KEY_FILE: '', AUTH_JWKS_URL: '', NATS_URL: nats.url, DATA_DIR: dataDir, ...env },
        encoding: 'utf8',
        timeout: 20_000,
      });

    it('without AUTH_* configuration order-service exits 1 with one line naming the variables', () => {
      const result = run({});
      expect(result.status).toBe(1);
      const lines = `${result.stdout}${result.stderr}`.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^order-service: no authentication configured: set AUTH_JWT_PUBLIC_KEY_FILE or AUTH_JWKS_URL .*AUTH_DISABLED=true/);
    });

    it('an unreadable key file stops it with one line too', () => {
      const result = run({ ...auth.env, AUTH_JWT_PUBLIC_KEY_FILE: join(dataDir, 'missing.pem') });
      expect(result.status).toBe(1);
      expect(`${result.stdout}${result.stderr}`.trim()).toMatch(/^order-service: AUTH_JWT_PUBLIC_KEY_FILE cannot be read \(ENOENT\)/);
    });

    it('AUTH_DISABLED=true is refused with NODE_ENV=production', () => {
      const result = run({ AUTH_DISABLED: 'true', NODE_ENV: 'production' });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('AUTH_DISABLED cannot be true when NODE_ENV=production');
    });

    it('AUTH_DISABLED=true starts with a warning at boot and serves the API without tokens', async () => {
      const { service: open, base } = await boot({ AUTH_DISABLED: 'true' });
      expect(open.output()).toContain('AUTH_DISABLED=true: the orders API accepts every request without a token');
      expect((await call('/orders', { base, body: body('anyone') })).status).toBe(201);
    }, 90_000);
  });
});
