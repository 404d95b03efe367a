import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import type { JsMsg } from 'nats';
import { lastValueFrom, type Observable } from 'rxjs';

import { PermanentError } from './errors/messaging.errors';
import { JetStreamContext as Context } from './jetstream.context';
import { JetStreamExceptionFilter } from './jetstream-exception.filter';

/** A JetStreamContext over a minimal delivery (the filter only checks the class). */
function JetStreamContext(): Context {
  const msg = {
    subject: 'orders.created',
    headers: undefined,
    data: new Uint8Array(),
    redelivered: false,
    info: { stream: 'ORDERS', streamSequence: 1, redeliveryCount: 1, consumer: 'c' },
  };
  return new Context(msg as unknown as JsMsg);
}

function host(type: 'rpc' | 'http', args: unknown[]): ExecutionContextHost {
  const h = new ExecutionContextHost(args);
  h.setType(type);
  return h;
}

describe('JetStreamExceptionFilter', () => {
  it("hands a JetStream handler's original exception back to the transport, not Nest's 'Internal server error'", async () => {
    const original = new PermanentError('unknown sku');
    const result = new JetStreamExceptionFilter().catch(original, host('rpc', [{}, JetStreamContext()])) as Observable<never>;
    await expect(lastValueFrom(result)).rejects.toBe(original);
  });

  it('answers other RPC transports as Nest does', async () => {
    const result = new JetStreamExceptionFilter().catch(new Error('boom'), host('rpc', [{}, { getPattern: () => 'x' }])) as Observable<never>;
    await expect(lastValueFrom(result)).rejects.toEqual({ status: 'error', message: 'Internal server error' });
  });

  it("answers HTTP requests with Nest's default error response", () => {
    const replies: unknown[][] = [];
    const adapter = { reply: (...args: unknown[]) => replies.push(args), isHeadersSent: () => false, end: () => undefined };
    new JetStreamExceptionFilter(adapter as never).catch(new Error('boom'), host('http', [{}, {}]));
    expect(replies[0][1]).toEqual({ statusCode: 500, message: 'Internal server error' });
    expect(replies[0][2]).toBe(500);
  });
});
