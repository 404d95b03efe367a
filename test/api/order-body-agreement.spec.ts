import { randomUUID } from 'node:crypto';

import { Subjects } from '@app/contracts';
import fc from 'fast-check';

import { RequestValidationError } from '../../apps/order-service/src/common/request-validation.error';
import { createValidationPipe } from '../../apps/order-service/src/common/request-validation.pipe';
import { CreateOrderDto } from '../../apps/order-service/src/orders/create-order.dto';
import { orderCreatedEvent } from '../../apps/order-service/src/orders/order-created';
import { validData } from '../../libs/contracts/src/testing/event-fixtures';
import { HOSTILE_BODIES, NORMALISED_BODIES, VALID_ORDER_BODY } from '../support/hostile-bodies';

/**
 * "Any body the API accepts is publishable": every body goes through the order API's own validation pipe and, when
 * accepted, through the exact code that builds the orders.created event, which validates it against the contract.
 * A body must either be refused with a 400 listing fields, or become a valid event; never a third outcome (a 500).
 */
const pipe = createValidationPipe();
const metadata = { type: 'body' as const, metatype: CreateOrderDto, data: '' };

type Outcome = { accepted: true; event: ReturnType<typeof orderCreatedEvent> } | { accepted: false; error: RequestValidationError };

async function throughBoth(body: unknown): Promise<Outcome> {
  let dto: CreateOrderDto;
  try {
    dto = await pipe.transform(body, metadata);
  } catch (error) {
    if (!(error instanceof RequestValidationError)) throw error;
    return { accepted: false, error };
  }
  // Throws EventValidationError when the API accepted something the contract refuses: the bug this test guards.
  return { accepted: true, event: orderCreatedEvent(randomUUID(), dto) };
}

/**
 * The HTTP test list's bodies that reach the validation pipe. Fastify answers the others before it: raw strings
 * (malformed JSON, wrong media types, `__proto__`) and `constructor.prototype` keys, which its JSON parser refuses.
 */
const REFUSED_BY_THE_PARSER = new Set(['constructor.prototype']);
const pipeBodies = HOSTILE_BODIES.filter(([name, body, headers]) => !headers && typeof body === 'object' && !REFUSED_BY_THE_PARSER.has(name)).map(
  ([name, body]) => [name, body] as const,
);

describe('POST /orders bodies and the orders.created contract agree', () => {
  const fixture = validData[Subjects.OrderCreated];

  it('the contract fixture, as a request, is accepted and publishes the same data', async () => {
    const body = { customerId: fixture.customerId, currency: fixture.currency, items: fixture.items };
    const outcome = await throughBoth(body);
    expect(outcome.accepted).toBe(true);
    if (outcome.accepted) expect(outcome.event.data).toMatchObject({ ...body, totalAmount: fixture.totalAmount });
  });

  it.each(NORMALISED_BODIES)('accepts a %s and publishes it upper-cased', async (_, body) => {
    const outcome = await throughBoth(body);
    expect(outcome.accepted).toBe(true);
    if (outcome.accepted) expect(outcome.event.data.currency).toBe((body as { currency: string }).currency.toUpperCase());
  });

  it.each(pipeBodies)('%s is refused with field errors, not published', async (_, body) => {
    const outcome = await throughBoth(structuredClone(body));
    expect(outcome.accepted).toBe(false);
    if (!outcome.accepted) expect(outcome.error.fields.length).toBeGreaterThan(0);
  });

  it('the largest order the API accepts is publishable', async () => {
    const item = { sku: `S${'k'.repeat(63)}`, quantity: 1000, unitPrice: 100_000_000 };
    const outcome = await throughBoth({ customerId: 'c'.repeat(128), currency: 'kwd', items: Array.from({ length: 100 }, () => item) });
    expect(outcome.accepted).toBe(true);
  });

  it('any generated body is either refused with field errors or publishable', async () => {
    const text = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('EUR', 'eur', 'Eur', 'jpy', 'XXX', 'EURO', 'ﬀr', 'ß', 'SKU-001', '-x', ''));
    const number = fc.oneof(fc.integer({ min: -5, max: 2000 }), fc.double(), fc.constantFrom(1e8, 1e8 + 1, 1000, 1001, 0, -0));
    const value = fc.oneof(text, number, fc.boolean(), fc.constant(null));
    const item = fc.record(
      { sku: fc.oneof(text, value), quantity: fc.oneof(number, value), unitPrice: fc.oneof(number, value) },
      { requiredKeys: [] },
    );
    const body = fc.record(
      {
        customerId: fc.oneof(text, value),
        currency: fc.oneof(text, value),
        items: fc.oneof(fc.array(item, { maxLength: 3 }), value),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(body, fc.constant(VALID_ORDER_BODY)), async (candidate) => {
        await throughBoth(candidate); // throws on a body accepted by the API but refused by the contract
      }),
      { numRuns: 1500 },
    );
  });
});
