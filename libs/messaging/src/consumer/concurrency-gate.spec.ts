import { ConcurrencyGate } from './concurrency-gate';

describe('ConcurrencyGate', () => {
  it('lets `size` holders in at once and the next one in when a slot is released, oldest first', async () => {
    const gate = new ConcurrencyGate(2);
    await gate.acquire();
    await gate.acquire();
    const order: string[] = [];
    const third = gate.acquire().then(() => order.push('third'));
    const fourth = gate.acquire().then(() => order.push('fourth'));
    await Promise.resolve();
    expect(order).toEqual([]);
    expect(gate.inUse).toBe(2);
    gate.release();
    await third;
    expect(order).toEqual(['third']);
    gate.release();
    await fourth;
    expect(order).toEqual(['third', 'fourth']);
    gate.release();
    gate.release();
    expect(gate.inUse).toBe(0);
  });

  it('wakes every waiter on shutdown so a blocked pull loop can see it must stop', async () => {
    const gate = new ConcurrencyGate(1);
    await gate.acquire();
    const waiting = [gate.acquire(), gate.acquire()];
    gate.wakeAll();
    await expect(Promise.all(waiting)).resolves.toHaveLength(2);
  });
});
