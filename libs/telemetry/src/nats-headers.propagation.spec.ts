import { defaultTextMapGetter, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { headers } from 'nats';

import { natsHeadersGetter, natsHeadersSetter } from './nats-headers.propagation';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('natsHeadersGetter', () => {
  it('reads a header whatever the case it was written in', () => {
    const carrier = headers();
    carrier.set('Traceparent', TRACEPARENT);
    expect(natsHeadersGetter.get(carrier, 'traceparent')).toBe(TRACEPARENT);
    expect(natsHeadersGetter.get(carrier, 'TRACEPARENT')).toBe(TRACEPARENT);
  });

  it('treats an empty header as absent', () => {
    const carrier = headers();
    carrier.set('traceparent', '');
    expect(natsHeadersGetter.get(carrier, 'traceparent')).toBeUndefined();
  });

  it('returns undefined for a missing header or missing headers', () => {
    expect(natsHeadersGetter.get(headers(), 'traceparent')).toBeUndefined();
    expect(natsHeadersGetter.get(undefined, 'traceparent')).toBeUndefined();
  });

  it('returns every value of a repeated header', () => {
    const carrier = headers();
    carrier.append('tracestate', 'a=1');
    carrier.append('tracestate', 'b=2');
    expect(natsHeadersGetter.get(carrier, 'tracestate')).toEqual(['a=1', 'b=2']);
  });

  it('lists the header names', () => {
    const carrier = headers();
    carrier.set('traceparent', TRACEPARENT);
    carrier.set('Nats-Msg-Id', 'abc');
    expect(natsHeadersGetter.keys(carrier).sort()).toEqual(['Nats-Msg-Id', 'traceparent']);
    expect(natsHeadersGetter.keys(undefined)).toEqual([]);
  });
});

describe('natsHeadersSetter', () => {
  it('replaces an existing value written under another case', () => {
    const carrier = headers();
    carrier.set('TraceParent', 'stale');
    natsHeadersSetter.set(carrier, 'traceparent', TRACEPARENT);
    expect(carrier.keys()).toEqual(['traceparent']);
    expect(carrier.values('traceparent')).toEqual([TRACEPARENT]);
  });
});

describe('W3C propagation over NATS headers', () => {
  const propagator = new CompositePropagator({
    propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
  });

  it('injects traceparent, tracestate and baggage and extracts the same context back', () => {
    // A remote context with a tracestate, as an upstream W3C service would send it.
    const upstream = propagator.extract(ROOT_CONTEXT, { traceparent: TRACEPARENT, tracestate: 'vendor=value' }, defaultTextMapGetter);
    const spanContext = trace.getSpanContext(upstream)!;
    const baggage = propagation.createBaggage({ 'order.id': { value: 'o-1' } });
    const ctx = propagation.setBaggage(upstream, baggage);

    const carrier = headers();
    propagator.inject(ctx, carrier, natsHeadersSetter);
    expect(carrier.get('traceparent')).toBe(TRACEPARENT);
    expect(carrier.get('tracestate')).toBe('vendor=value');
    expect(carrier.get('baggage')).toBe('order.id=o-1');

    const extracted = propagator.extract(ROOT_CONTEXT, carrier, natsHeadersGetter);
    expect(trace.getSpanContext(extracted)).toMatchObject({ traceId: spanContext.traceId, spanId: spanContext.spanId, isRemote: true });
    expect(propagation.getBaggage(extracted)?.getEntry('order.id')?.value).toBe('o-1');
  });
});
