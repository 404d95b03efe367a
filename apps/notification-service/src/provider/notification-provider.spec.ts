import { BreakerRegistry, createResiliencePolicy, DependencyUnavailableError, ResilienceModule, resilienceOptionsFromEnv } from '@app/resilience';
import { validateEnv } from '@app/runtime';
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';

import { NotificationServiceEnv } from '../config/notification.env';
import {
  NOTIFICATION_PROVIDER_BOOKS,
  NOTIFICATION_PROVIDER_DEPENDENCY,
  type NotificationProviderBooks,
  NotificationProviderClient,
  notificationProviderConfigFromEnv,
  NotificationProviderModule,
  NotificationRequestRejectedError,
  type SendReceipt,
  type SendRequest,
  SimulatedNotificationProvider,
} from '.';

/** The books in memory: no database in these tests (the service keeps its books in its database). */
class InMemoryProviderBooks implements NotificationProviderBooks {
  readonly keys = new Map<string, SendReceipt>();
  readonly deliveries: Array<{ orderId: string; idempotencyKey: string; messageId: string }> = [];

  async settle(request: SendRequest, fresh: SendReceipt): Promise<SendReceipt> {
    const known = this.keys.get(request.idempotencyKey);
    if (known) return known;
    this.keys.set(request.idempotencyKey, fresh);
    this.deliveries.push({ orderId: request.orderId, idempotencyKey: request.idempotencyKey, messageId: fresh.messageId });
    return fresh;
  }
}

const message = (overrides: Partial<SendRequest> = {}): SendRequest => ({
  orderId: 'order-1',
  recipient: 'customer-1',
  template: 'order-confirmed',
  data: { orderId: 'order-1' },
  idempotencyKey: 'order-1:order-confirmed',
  ...overrides,
});

function client(config: { failureRate?: number; latencyMs?: number } = {}) {
  const books = new InMemoryProviderBooks();
  const provider = new SimulatedNotificationProvider({ failureRate: 0, latencyMs: 0, ...config }, books);
  const policy = createResiliencePolicy(
    NOTIFICATION_PROVIDER_DEPENDENCY,
    { timeoutMs: 1_000, retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 4 } },
    { logger: false },
  );
  return { client: new NotificationProviderClient(provider, policy), policy, books };
}

describe('NotificationProviderClient over the simulated provider', () => {
  it('returns the same message id for the same idempotency key', async () => {
    const { client: provider, books } = client();
    const first = await provider.send(message());
    expect(first.messageId).toMatch(/^msg_/);
    await expect(provider.send(message())).resolves.toEqual(first);
    await expect(provider.send(message({ idempotencyKey: 'order-1:order-cancelled' }))).resolves.not.toEqual(first);
    expect(books.deliveries.map((d) => d.idempotencyKey)).toEqual(['order-1:order-confirmed', 'order-1:order-cancelled']);
  });

  it('with failure rate 1 fails with DependencyUnavailableError and opens the breaker', async () => {
    const { client: provider, policy } = client({ failureRate: 1 });
    await expect(provider.send(message())).rejects.toMatchObject({ name: 'DependencyUnavailableError', dependency: 'notification-provider' });
    await expect(provider.send(message())).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(policy.state).toBe('open');
  });

  it('refuses a message without recipient as permanent (no retry)', async () => {
    const { client: provider, policy } = client();
    await expect(provider.send(message({ recipient: '' }))).rejects.toBeInstanceOf(NotificationRequestRejectedError);
    expect(policy.stats.retries).toBe(0);
  });
});

describe('NotificationProviderModule', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(new Logger()));

  it('takes NOTIFICATION_PROVIDER_* from the validated environment and registers the notification-provider breaker', async () => {
    const env = validateEnv(NotificationServiceEnv, {
      NOTIFICATION_PROVIDER_FAILURE_RATE: '1',
      NOTIFICATION_PROVIDER_LATENCY_MS: '0',
      RESILIENCE_RETRY_MAX_ATTEMPTS: '1',
    });
    // No database here: the books are swapped for the in-memory ones (the service's are in its database).
    const moduleRef = await Test.createTestingModule({
      imports: [
        ResilienceModule.forRoot({ defaults: resilienceOptionsFromEnv(env) }),
        NotificationProviderModule.forRoot(notificationProviderConfigFromEnv(env)),
      ],
    })
      .overrideProvider(NOTIFICATION_PROVIDER_BOOKS)
      .useValue(new InMemoryProviderBooks())
      .compile();
    const provider = moduleRef.get(NotificationProviderClient);
    for (let i = 0; i < 6; i++) await expect(provider.send(message())).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(moduleRef.get(BreakerRegistry).health()['notification-provider']).toMatchObject({ status: 'up', state: 'open' });
    await moduleRef.close();
  });
});
