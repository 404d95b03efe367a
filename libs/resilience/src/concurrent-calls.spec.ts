import { getEventListeners } from 'node:events';

// cockatiel's internal default signal: every call made without a signal of its own derives from it.
import { neverAbortedSignal } from 'cockatiel/dist/common/abort';

import { createResiliencePolicy } from './index';

describe('many concurrent calls through one policy', () => {
  it("leave no abort listeners on cockatiel's shared signal (which would leak and warn under load)", async () => {
    const policy = createResiliencePolicy('busy-dependency', {}, { logger: false });
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        policy.execute(
          () =>
            new Promise<number>((resolve) => {
              peak = Math.max(peak, getEventListeners(neverAbortedSignal, 'abort').length);
              setTimeout(() => resolve(i), 20);
            }),
        ),
      ),
    );
    expect(results).toHaveLength(40);
    expect(peak).toBe(0);
  });
});
