import type { TextMapGetter, TextMapSetter } from '@opentelemetry/api';
import { Match, type MsgHdrs } from 'nats';

/**
 * Reads W3C trace context from NATS message headers. Header names are matched case-insensitively (NATS keeps the
 * case the publisher used, and other clients canonicalise `Traceparent`), and an empty header counts as absent, as
 * the W3C spec requires of an empty `traceparent`.
 */
export const natsHeadersGetter: TextMapGetter<MsgHdrs | undefined> = {
  keys(carrier) {
    return carrier ? carrier.keys() : [];
  },
  get(carrier, key) {
    if (!carrier) return undefined;
    const values = carrier.values(key, Match.IgnoreCase).filter((value) => value !== '');
    if (values.length === 0) return undefined;
    return values.length === 1 ? values[0] : values;
  },
};

/** Writes W3C trace context into NATS message headers, replacing any value already there under any case. */
export const natsHeadersSetter: TextMapSetter<MsgHdrs> = {
  set(carrier, key, value) {
    carrier.set(key, value, Match.IgnoreCase);
  },
};
