import { createInMemoryTelemetry, metricPoint } from '@app/telemetry/testing';
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';

import { BreakerRegistry, DependencyUnavailableError, ResilienceModule } from './index';
import { ResilienceMetricNames } from './resilience.constants';
import { FlakyDependencyError } from './testing/resilience.test-helpers';

const telemetry = createInMemoryTelemetry();
const failing = () => Promise.reject(new FlakyDependencyError());

beforeAll(() => Logger.overrideLogger(false));
afterAll(async () => {
  Logger.overrideLogger(new Logger());
  await telemetry.shutdown();
});

describe('BreakerRegistry', () => {
  it('creates named policies from its defaults plus overrides', () => {
    const registry = new BreakerRegistry();
    const policy = registry.create('payment-gateway', { retry: { maxAttempts: 1 } });
    expect(policy.options.retry.maxAttempts).toBe(1);
    expect(policy.options.breaker).toEqual({ consecutiveFailures: 5, halfOpenAfterMs: 30_000 });
    expect(registry.get('payment-gateway')).toBe(policy);
    expect(() => registry.create('payment-gateway')).toThrow(/already registered/);
  });

  it('shows every breaker in health details as up, with its state, also when open', async () => {
    const registry = new BreakerRegistry();
    const gateway = registry.create('payment-gateway', { retry: { maxAttempts: 1 } });
    registry.create('notification-provider');

    for (let i = 0; i < 6; i++) await expect(gateway.execute(failing)).rejects.toBeInstanceOf(DependencyUnavailableError);
    const health = registry.health();

    expect(health['payment-gateway']).toMatchObject({ status: 'up', state: 'open', consecutiveFailures: 6 });
    expect(health['payment-gateway'].openedAt).toEqual(expect.any(String));
    expect(health['payment-gateway'].nextTrialAt).toEqual(expect.any(String));
    expect(health['payment-gateway'].lastFailure?.message).toContain('connection reset');
    expect(health['notification-provider']).toEqual({ status: 'up', state: 'closed', consecutiveFailures: 0, rejected: 0 });
    await expect(registry.readinessCheck()()).resolves.toEqual(health);
  });

  it('exports the breaker state gauge (0 closed, 1 open) and a rejected-calls counter per dependency', async () => {
    const registry = new BreakerRegistry();
    const open = registry.create('metrics-open', { retry: { maxAttempts: 1 } });
    registry.create('metrics-closed');
    for (let i = 0; i < 6; i++) await open.execute(failing).catch(() => undefined);
    await open.execute(failing).catch(() => undefined); // rejected by the open breaker

    const collected = await telemetry.collectMetrics();

    expect(metricPoint(collected, ResilienceMetricNames.BREAKER_STATE, { dependency: 'metrics-open' })?.value).toBe(1);
    expect(metricPoint(collected, ResilienceMetricNames.BREAKER_STATE, { dependency: 'metrics-closed' })?.value).toBe(0);
    expect(metricPoint(collected, ResilienceMetricNames.CALLS_REJECTED, { dependency: 'metrics-open', reason: 'circuit-open' })?.value).toBe(1);
    registry.onModuleDestroy();
  });
});

describe('ResilienceModule.forRoot', () => {
  it('provides a global BreakerRegistry whose policies start from the given defaults', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ResilienceModule.forRoot({ defaults: { timeoutMs: 750, breaker: { consecutiveFailures: 2 } } })],
    }).compile();
    const registry = moduleRef.get(BreakerRegistry);

    expect(registry.defaultOptions).toEqual({
      timeoutMs: 750,
      retry: { maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 2_000 },
      breaker: { consecutiveFailures: 2, halfOpenAfterMs: 30_000 },
      bulkhead: { maxConcurrent: 64, maxQueue: 256 },
    });
    expect(registry.create('x').options.breaker.consecutiveFailures).toBe(2);
    await moduleRef.close();
  });

  it('refuses an out-of-range default at boot, naming the option', async () => {
    const error = await Test.createTestingModule({ imports: [ResilienceModule.forRoot({ defaults: { bulkhead: { maxConcurrent: 0 } } })] })
      .compile()
      .catch((e: unknown) => e);
    expect(String(error)).toContain('bulkhead.maxConcurrent');
  });
});
