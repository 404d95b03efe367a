import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import type { JsMsg } from 'nats';
import { lastValueFrom, throwError } from 'rxjs';

import { PermanentError } from './errors/messaging.errors';
import { JetStreamErrorCaptureInterceptor } from './jetstream-error-capture.interceptor';
import { JetStreamContext } from './jetstream.context';

function fakeMessage(): JsMsg {
  return {
    subject: 'orders.created',
    headers: undefined,
    data: new Uint8Array([1]),
    redelivered: false,
    info: { stream: 'ORDERS', streamSequence: 3, redeliveryCount: 1, consumer: 'svc__orders_created' },
    working: jest.fn(),
  } as unknown as JsMsg;
}

describe('JetStreamErrorCaptureInterceptor', () => {
  it('records the original exception on the JetStream context and rethrows it unchanged', async () => {
    const ctx = new JetStreamContext(fakeMessage());
    const host = new ExecutionContextHost([{ data: 1 }, ctx]);
    host.setType('rpc');
    const original = new PermanentError('unknown sku');
    const result$ = new JetStreamErrorCaptureInterceptor().intercept(host, { handle: () => throwError(() => original) });
    await expect(lastValueFrom(result$)).rejects.toBe(original);
    expect(ctx.hasCapturedError()).toBe(true);
    expect(ctx.capturedError()).toBe(original);
  });

  it('exposes the message fields on the context', () => {
    const msg = fakeMessage();
    const ctx = new JetStreamContext(msg);
    expect(ctx).toMatchObject({ subject: 'orders.created', stream: 'ORDERS', streamSequence: 3, deliveryCount: 1, consumer: 'svc__orders_created', bodySize: 1, redelivered: false });
    ctx.working();
    expect(msg.working).toHaveBeenCalled();
    expect(ctx.hasCapturedError()).toBe(false);
  });
});
