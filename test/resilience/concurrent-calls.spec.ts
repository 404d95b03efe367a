import { createResiliencePolicy } from '@app/resilience';

describe('many concurrent calls through one policy', () => {
  it('run without leaking abort listeners onto a shared signal (no MaxListenersExceededWarning)', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const policy = createResiliencePolicy('busy-dependency', {}, { logger: false });
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => policy.execute(() => new Promise<number>((resolve) => setTimeout(() => resolve(i), 20)))),
      );
      expect(results).toHaveLength(40);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});
