import type { JsMsg } from 'nats';

import { SettleBatch } from './settle-batch';

/** A JsMsg stand-in that records what it was settled with, in order. */
function fakeMessage(id: number, log: string[], failAck = false): JsMsg {
  return {
    ack: () => {
      if (failAck) throw new Error('connection closed');
      log.push(`ack ${id}`);
    },
    nak: (delay?: number) => log.push(`nak ${id} ${delay ?? '-'}`),
    term: () => log.push(`term ${id}`),
  } as unknown as JsMsg;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('SettleBatch', () => {
  it('sends the settlements of one turn together, in order, after the current one ends', async () => {
    const log: string[] = [];
    const batch = new SettleBatch(() => undefined);
    batch.ack(fakeMessage(1, log));
    await Promise.resolve();
    batch.nak(fakeMessage(2, log), 5000);
    batch.term(fakeMessage(3, log));
    expect(log).toEqual([]);
    await nextTurn();
    expect(log).toEqual(['ack 1', 'nak 2 5000', 'term 3']);
  });

  it('sends at once on flush (shutdown) and nothing twice', async () => {
    const log: string[] = [];
    const batch = new SettleBatch(() => undefined);
    batch.ack(fakeMessage(1, log));
    batch.flush();
    expect(log).toEqual(['ack 1']);
    await nextTurn();
    expect(log).toEqual(['ack 1']);
  });

  it('reports a settlement that fails and still sends the rest', async () => {
    const log: string[] = [];
    const failures: string[] = [];
    const batch = new SettleBatch((error) => failures.push((error as Error).message));
    batch.ack(fakeMessage(1, log, true));
    batch.ack(fakeMessage(2, log));
    await nextTurn();
    expect(failures).toEqual(['connection closed']);
    expect(log).toEqual(['ack 2']);
  });
});
