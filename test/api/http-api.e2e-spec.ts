import type { Json } from '../support/json';
import { SERVICES } from '../support/stack';
import { eventually, finalOrder, getJson, postOrder, type RunningSystem, startSystem } from '../support/system';

/**
 * What a client and an operator meet over HTTP, on the four services as built: upper-cased currencies, complete
 * OpenAPI documents, problem details on every app (404 and 405 included), readable body errors, and readiness
 * details on order-service too.
 */
describe('the HTTP side of the four services', () => {
  let system: RunningSystem;
  let api: string;
  const problemJson = /^application\/problem\+json/;

  beforeAll(async () => {
    system = await startSystem({ env: { LOG_LEVEL: 'info' } });
    api = system.url('order-service');
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  it('an order in lower-case currency is accepted, published as EUR and confirmed', async () => {
    const created = await postOrder(api, { customerId: 'c-lower', currency: 'eur', items: [{ sku: 'SKU-001', quantity: 1, unitPrice: 100 }] });
    expect(created.status).toBe(201);
    expect(created.body.currency).toBe('EUR');
    expect((await finalOrder(api, created.body.id, 60_000, system.logs)).status).toBe('CONFIRMED');
  }, 90_000);

  it('the orders OpenAPI document has response schemas, problem+json errors, integers, patterns and uuids', async () => {
    const { status, body: doc } = await getJson(`${api}/docs-json`);
    expect(status).toBe(200);
    const post = doc.paths['/orders'].post;
    expect(post.responses['201'].content['application/json'].schema.$ref).toBe('#/components/schemas/Order');
    for (const code of ['400', '413', '415', '422', '503']) {
      expect(post.responses[code].content['application/problem+json'].schema.$ref).toBe('#/components/schemas/Problem');
    }
    const get = doc.paths['/orders/{id}'].get;
    expect(get.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/Order');
    expect(Object.keys(get.responses)).toEqual(expect.arrayContaining(['400', '404', '503']));
    expect(get.parameters.find((p: { name: string }) => p.name === 'id').schema.format).toBe('uuid');
    expect(doc.paths['/orders'].get.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/OrderPage');

    const { schemas } = doc.components;
    expect(schemas.Order.properties.id.format).toBe('uuid');
    expect(schemas.Order.properties.totalAmount.type).toBe('integer');
    expect(schemas.OrderItemDto.properties.quantity.type).toBe('integer');
    expect(schemas.OrderItemDto.properties.unitPrice.type).toBe('integer');
    expect(schemas.OrderItemDto.properties.sku.pattern).toBeDefined();
    expect(schemas.CreateOrderDto.properties.currency.pattern).toBeDefined();
    expect(schemas.Problem.properties.status.type).toBe('integer');
  });

  it('inventory-service serves its OpenAPI document and Swagger UI', async () => {
    const base = system.url('inventory-service');
    const { status, body: doc } = await getJson(`${base}/docs-json`);
    expect(status).toBe(200);
    expect(doc.paths['/inventory/{sku}'].get.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/StockLevel');
    expect((await fetch(`${base}/docs`)).status).toBe(200);
  });

  it.each(SERVICES.map((s) => s.name))('%s answers an unknown route with a 404 problem document', async (name) => {
    const response = await fetch(`${system.url(name)}/no/such/route`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(problemJson);
    expect(await response.json()).toMatchObject({ type: 'about:blank', title: 'Not Found', status: 404, instance: '/no/such/route' });
  });

  it('an unknown SKU is a 404 problem document', async () => {
    const response = await fetch(`${system.url('inventory-service')}/inventory/SKU-NOPE`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(problemJson);
    expect(await response.json()).toMatchObject({ status: 404, detail: 'SKU SKU-NOPE does not exist.' });
  });

  it('a known path with another method is a 405 with Allow', async () => {
    const response = await fetch(`${api}/orders/x`, { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toMatch(/GET/);
    expect(response.headers.get('content-type')).toMatch(problemJson);
    expect((await fetch(`${api}/nothing-here`, { method: 'DELETE' })).status).toBe(404);
  });

  it('a __proto__ key is named as such, and malformed JSON says where', async () => {
    const proto = await postOrder(api, '{"customerId":"c-1","currency":"EUR","items":[],"__proto__":{"admin":true}}');
    expect(proto.status).toBe(400);
    expect(proto.body.detail).toMatch(/"__proto__" key/);
    const broken = await postOrder(api, '{"customerId": "c-1",');
    expect(broken.status).toBe(400);
    expect(broken.body.detail).toMatch(/^The body is not valid JSON: /);
  });

  it('a failing field gets one message saying what was expected', async () => {
    const response = await postOrder(api, { customerId: 5, currency: 'EUR', items: [{ sku: 'SKU-001', quantity: 1, unitPrice: 100 }] });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ field: 'customerId', message: 'customerId must be a string of 1 to 128 characters' }]);
    expect((await getJson(`${api}/orders?limit=abc`)).body.errors).toEqual([{ field: 'limit', message: 'limit must be an integer from 1 to 100' }]);
  });

  it('order-service readiness shows its details when NATS is down, and logs one warning, not an error per probe', async () => {
    await system.stopNats();
    try {
      const body = await eventually(
        async () => {
          const response = await fetch(`${api}/health/ready`);
          return response.status === 503 ? { type: response.headers.get('content-type'), json: (await response.json()) as Json } : undefined;
        },
        20_000,
        () => 'order-service stayed ready without NATS',
      );
      expect(body.type).toMatch(/^application\/json/);
      expect(body.json).toMatchObject({ status: 'error', error: { nats: { status: 'down' } } });
      expect(body.json.details.database.status).toBe('up');
      for (let i = 0; i < 3; i++) expect((await fetch(`${api}/health/ready`)).status).toBe(503);
    } finally {
      await system.restartNats();
    }
    await eventually(
      async () => ((await fetch(`${api}/health/ready`)).status === 200 ? true : undefined),
      60_000,
      () => 'not ready again',
    );
    const lines = system.services.get('order-service')!.output().split('\n');
    expect(lines.filter((line) => line.includes('"context":"Readiness"') && line.includes('not ready: ')).length).toBeGreaterThanOrEqual(1);
    expect(lines.filter((line) => line.includes('"context":"Readiness"') && line.includes('not ready: ')).length).toBeLessThanOrEqual(3);
    expect(lines.filter((line) => /"level":50/.test(line) && /health|Service Unavailable/i.test(line))).toEqual([]);
  }, 120_000);
});
