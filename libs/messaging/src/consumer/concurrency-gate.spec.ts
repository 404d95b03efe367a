import { ConcurrencyGate } from './concurrency-gate';

describe('ConcurrencyGate', () => {
  it('starts `size` items at once and the next one, oldest first, when a running one finishes', () => {
    const started: string[] = [];
    const gate = new ConcurrencyGate<string>(2, (item) => started.push(item));
    ['a', 'b', 'c', 'd'].forEach((item) => gate.submit(item));
    expect(started).toEqual(['a', 'b']);
    expect({ inUse: gate.inUse, queued: gate.queued }).toEqual({ inUse: 2, queued: 2 });
    gate.release();
    expect(started).toEqual(['a', 'b', 'c']);
    gate.release();
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    gate.release();
    gate.release();
    expect({ inUse: gate.inUse, queued: gate.queued }).toEqual({ inUse: 0, queued: 0 });
    gate.submit('e');
    expect(started.at(-1)).toBe('e');
  });

  it('hands the waiting items back on shutdown and never starts them', () => {
    const started: number[] = [];
    const gate = new ConcurrencyGate<number>(1, (item) => started.push(item));
    [1, 2, 3].forEach((item) => gate.submit(item));
    expect(gate.drain()).toEqual([2, 3]);
    gate.release();
    expect(started).toEqual([1]);
    expect(gate.inUse).toBe(0);
  });
});
