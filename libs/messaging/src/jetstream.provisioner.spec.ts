import { ErrorCode, NatsError } from 'nats';

import { isTransientJetStreamError, JetStreamDisabledError, StreamConfigConflictError } from './errors/messaging.errors';
import { JetStreamProvisioner } from './jetstream.provisioner';
import type { NatsConnectionManager } from './nats-connection.manager';

const spec = { name: 'ORDERS', subjects: ['orders.>'] };

/** A JetStream manager whose stream lookups fail `failures` times (with `error`) before the stream is found. */
function connectionFailing(
  failures: number,
  error: unknown,
  config: Record<string, unknown> = {},
): { connection: NatsConnectionManager; calls: () => number } {
  let calls = 0;
  const existing = {
    config: { subjects: ['orders.>'], storage: 'file', retention: 'limits', duplicate_window: 120_000_000_000, num_replicas: 1, ...config },
  };
  const jsm = {
    streams: {
      info: async () => {
        calls++;
        if (calls <= failures) throw error;
        return existing;
      },
    },
  };
  return { connection: { jetstreamManager: async () => jsm } as unknown as NatsConnectionManager, calls: () => calls };
}

describe('JetStreamProvisioner.ensureStreams', () => {
  it('waits while JetStream answers 503 (a cluster without a meta leader yet) and then provisions', async () => {
    const { connection, calls } = connectionFailing(2, NatsError.errorForCode(ErrorCode.NoResponders));
    await expect(new JetStreamProvisioner(connection).ensureStreams([spec], false, 5000)).resolves.toHaveLength(1);
    expect(calls()).toBe(3);
  });

  it('gives up on a 503 once the wait is over', async () => {
    const { connection } = connectionFailing(1000, NatsError.errorForCode(ErrorCode.NoResponders));
    await expect(new JetStreamProvisioner(connection).ensureStreams([spec], false, 300)).rejects.toMatchObject({ code: '503' });
  });

  it('does not retry a conflict', async () => {
    const { connection, calls } = connectionFailing(0, undefined, { subjects: ['other.>'] });
    await expect(new JetStreamProvisioner(connection).ensureStreams([spec], false, 5000)).rejects.toBeInstanceOf(StreamConfigConflictError);
    expect(calls()).toBe(1);
  });

  it('counts timeouts, 503s and "temporarily unavailable" as transient, a server without JetStream not', () => {
    expect(isTransientJetStreamError(NatsError.errorForCode(ErrorCode.Timeout))).toBe(true);
    expect(isTransientJetStreamError({ api_error: { code: 503, err_code: 10008 } })).toBe(true);
    expect(isTransientJetStreamError(new Error('could not create stream', { cause: NatsError.errorForCode(ErrorCode.NoResponders) }))).toBe(true);
    expect(isTransientJetStreamError(new JetStreamDisabledError('nats://x:4222'))).toBe(false);
    expect(isTransientJetStreamError(new Error('boom'))).toBe(false);
  });
});
