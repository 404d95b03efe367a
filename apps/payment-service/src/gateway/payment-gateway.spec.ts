import { BreakerRegistry, createResiliencePolicy, DependencyUnavailableError, ResilienceModule, resilienceOptionsFromEnv } from '@app/resilience';
import { ConfigValidationError, validateEnv } from '@app/runtime';
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';

import { PaymentServiceEnv } from '../config/payment.env';
import {
  type ChargeRequest,
  type ChargeResult,
  PAYMENT_GATEWAY_BOOKS,
  PAYMENT_GATEWAY_DEPENDENCY,
  type PaymentGatewayBooks,
  PaymentGatewayClient,
  paymentGatewayConfigFromEnv,
  PaymentGatewayModule,
  PaymentRequestRejectedError,
  type RememberedCharge,
  SimulatedPaymentGateway,
} from '.';

/** The books in memory: no database in these tests (the service keeps its books in its database). */
class InMemoryGatewayBooks implements PaymentGatewayBooks {
  readonly keys = new Map<string, RememberedCharge>();
  readonly charges: Array<{ orderId: string; idempotencyKey: string; amount: number; transactionId: string }> = [];

  async settle(request: ChargeRequest, fingerprint: string, fresh: ChargeResult): Promise<RememberedCharge> {
    const known = this.keys.get(request.idempotencyKey);
    if (known) return known;
    const entry = { fingerprint, result: fresh };
    this.keys.set(request.idempotencyKey, entry);
    if (fresh.outcome === 'approved') {
      this.charges.push({
        orderId: request.orderId,
        idempotencyKey: request.idempotencyKey,
        amount: request.amount,
        transactionId: fresh.transactionId,
      });
    }
    return entry;
  }
}

const charge = (overrides: Partial<ChargeRequest> = {}): ChargeRequest => ({
  orderId: 'order-1',
  amount: 12_50,
  currency: 'EUR',
  idempotencyKey: 'order-1',
  ...overrides,
});

/** A client over the simulated gateway with fast retries, built by hand (no Nest). */
function client(config: { failureRate?: number; latencyMs?: number; declineAbove?: number } = {}, timeoutMs = 1_000) {
  const books = new InMemoryGatewayBooks();
  const gateway = new SimulatedPaymentGateway({ failureRate: 0, latencyMs: 0, declineAbove: 1_000_000, ...config }, books);
  const policy = createResiliencePolicy(
    PAYMENT_GATEWAY_DEPENDENCY,
    { timeoutMs, retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 4 } },
    { logger: false },
  );
  return { client: new PaymentGatewayClient(gateway, policy), policy, books };
}

describe('PaymentGatewayClient over the simulated gateway', () => {
  it('approves a charge within the limit', async () => {
    await expect(client().client.charge(charge())).resolves.toEqual({ outcome: 'approved', transactionId: expect.stringMatching(/^txn_/) });
  });

  it('declines amounts above PAYMENT_DECLINE_ABOVE as an outcome, never tripping the breaker', async () => {
    const { client: gateway, policy } = client({ declineAbove: 1_000 });
    for (let i = 0; i < 10; i++) {
      await expect(gateway.charge(charge({ amount: 1_001, idempotencyKey: `k${i}` }))).resolves.toEqual({
        outcome: 'declined',
        reason: expect.stringContaining('exceeds the limit of 1000'),
      });
    }
    await expect(gateway.charge(charge({ amount: 1_000, idempotencyKey: 'at-limit' }))).resolves.toMatchObject({ outcome: 'approved' });
    expect(policy.state).toBe('closed');
  });

  it('is idempotent per key: the same key returns the same transaction id and charges once', async () => {
    const { client: gateway, books } = client();
    const first = await gateway.charge(charge());
    const again = await gateway.charge(charge());
    const other = await gateway.charge(charge({ orderId: 'order-2', idempotencyKey: 'order-2' }));
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
    expect(books.charges.map((c) => c.orderId)).toEqual(['order-1', 'order-2']);
  });

  it('logs approved charges only, never a decline', async () => {
    const { client: gateway, books } = client({ declineAbove: 1_000 });
    await gateway.charge(charge({ amount: 1_001 }));
    expect(books.charges).toEqual([]);
  });

  it('a retry after a lost response returns the original charge instead of charging twice', async () => {
    const { client: gateway, policy, books } = client({ failureRate: 0.5 });
    // 1st attempt: fails (0.1 < 0.5) after charging (0.9 >= 0.5); 2nd attempt: succeeds (0.9).
    const random = jest.spyOn(Math, 'random').mockReturnValueOnce(0.1).mockReturnValueOnce(0.9).mockReturnValue(0.9);
    try {
      const result = await gateway.charge(charge());
      expect(policy.stats.retries).toBe(1);
      await expect(gateway.charge(charge())).resolves.toEqual(result);
      expect(books.charges).toHaveLength(1);
    } finally {
      random.mockRestore();
    }
  });

  it('refuses an idempotency key reused for another charge, without retrying or counting it', async () => {
    const { client: gateway, policy } = client();
    await gateway.charge(charge());
    await expect(gateway.charge(charge({ amount: 99 }))).rejects.toBeInstanceOf(PaymentRequestRejectedError);
    expect(policy.stats).toMatchObject({ retries: 0, consecutiveFailures: 0 });
  });

  it('with failure rate 1 fails with DependencyUnavailableError and opens the breaker', async () => {
    const { client: gateway, policy } = client({ failureRate: 1 });
    await expect(gateway.charge(charge())).rejects.toMatchObject({
      name: 'DependencyUnavailableError',
      dependency: 'payment-gateway',
      reason: 'retries-exhausted',
    });
    await expect(gateway.charge(charge())).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(policy.state).toBe('open');
    await expect(gateway.charge(charge())).rejects.toMatchObject({ reason: 'circuit-open' });
  });

  it('times out a gateway slower than the policy timeout', async () => {
    const { client: gateway } = client({ latencyMs: 5_000 }, 20);
    await expect(gateway.charge(charge())).rejects.toMatchObject({ name: 'DependencyUnavailableError', reason: 'timeout' });
  });
});

describe('PaymentGatewayModule', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(new Logger()));

  /** Boots the module as payment-service does: from its validated environment. */
  async function boot(raw: Record<string, string>) {
    const env = validateEnv(PaymentServiceEnv, raw);
    // No database here: the books are swapped for the in-memory ones (the service's are in its database).
    return Test.createTestingModule({
      imports: [
        ResilienceModule.forRoot({ defaults: resilienceOptionsFromEnv(env) }),
        PaymentGatewayModule.forRoot(paymentGatewayConfigFromEnv(env)),
      ],
    })
      .overrideProvider(PAYMENT_GATEWAY_BOOKS)
      .useValue(new InMemoryGatewayBooks())
      .compile();
  }

  it('reads PAYMENT_* from the environment and shows the open breaker as payment-gateway in health details', async () => {
    const moduleRef = await boot({
      PAYMENT_GATEWAY_FAILURE_RATE: '1',
      PAYMENT_GATEWAY_LATENCY_MS: '0',
      RESILIENCE_RETRY_INITIAL_DELAY_MS: '1',
      RESILIENCE_RETRY_MAX_DELAY_MS: '2',
    });
    const gateway = moduleRef.get(PaymentGatewayClient);
    const breakers = moduleRef.get(BreakerRegistry);

    expect(breakers.health()['payment-gateway']).toMatchObject({ status: 'up', state: 'closed' });
    for (let i = 0; i < 3; i++) await expect(gateway.charge(charge())).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(breakers.health()['payment-gateway']).toMatchObject({ status: 'up', state: 'open' });
    await moduleRef.close();
  });

  it('declines above PAYMENT_DECLINE_ABOVE', async () => {
    const moduleRef = await boot({ PAYMENT_DECLINE_ABOVE: '500', PAYMENT_GATEWAY_LATENCY_MS: '0' });
    await expect(moduleRef.get(PaymentGatewayClient).charge(charge({ amount: 501 }))).resolves.toMatchObject({ outcome: 'declined' });
    await moduleRef.close();
  });

  it('fails the boot on an out-of-range failure rate, naming the variable', async () => {
    const error = await Promise.resolve()
      .then(() => boot({ PAYMENT_GATEWAY_FAILURE_RATE: '1.5' }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect(String(error)).toContain('PAYMENT_GATEWAY_FAILURE_RATE');
  });
});
