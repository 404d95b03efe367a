import type { AnyEventEnvelope, EventEnvelope } from '../envelope/event-envelope';
import { type UpcasterRegistry, validateEvent } from '../validation/validate-event';

/** Why bytes could not be decoded into an event; every kind is poison (dead-letter, never retried). */
export type DecodeFailureKind = 'malformed' | 'invalid' | 'unsupported-version' | 'unknown-type';

export type DecodeResult = { ok: true; value: AnyEventEnvelope } | { ok: false; kind: DecodeFailureKind; reason: string };

export interface EncodedEvent {
  /** The NATS subject: the event's `type`. */
  subject: string;
  /** `Nats-Msg-Id`: the event's `id`, so JetStream drops duplicates of one event. */
  msgId: string;
  /** The CloudEvents structured-mode JSON, UTF-8. */
  data: Uint8Array;
}

/** Events <-> bytes; fits `MessageCodec` of @app/messaging and `OutboxCodec` of @app/persistence. */
export interface CloudEventCodec {
  /** Validates strictly (publisher side) and serializes; throws `EventValidationError` listing every failing path. */
  encode(event: EventEnvelope): EncodedEvent;
  /** Tolerant reader (consumer side); never throws: upcasts older versions, drops unknown fields, classifies failures. */
  decode(subject: string, bytes: Uint8Array): DecodeResult;
}

export interface CloudEventCodecOptions {
  /** Upcasters this consumer registers on top of the catalog's (see `ValidateEventOptions.upcasters`). */
  upcasters?: UpcasterRegistry;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** JSON keys that would reach object prototypes through later spreading or transformation; never data. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Builds a codec; `cloudEventCodec` is the one with the catalog's upcasters only. */
export function createCloudEventCodec(options: CloudEventCodecOptions = {}): CloudEventCodec {
  return Object.freeze({
    encode(event: EventEnvelope): EncodedEvent {
      const result = validateEvent(event, { mode: 'strict' });
      if (!result.ok) throw result.error;
      return { subject: result.event.type, msgId: result.event.id, data: encoder.encode(JSON.stringify(result.event)) };
    },

    decode(subject: string, bytes: Uint8Array): DecodeResult {
      let parsed: unknown;
      try {
        parsed = JSON.parse(decoder.decode(bytes), (key, value: unknown) => (FORBIDDEN_KEYS.has(key) ? undefined : value));
      } catch (error) {
        return { ok: false, kind: 'malformed', reason: `not a UTF-8 JSON event: ${(error as Error).message}` };
      }
      const result = validateEvent(parsed, { mode: 'tolerant', upcasters: options.upcasters });
      if (!result.ok) return { ok: false, kind: result.error.kind, reason: result.error.message };
      if (result.event.type !== subject) {
        return {
          ok: false,
          kind: 'invalid',
          reason: `type ${result.event.type} was published on subject ${subject}; an event's type must equal its subject`,
        };
      }
      return { ok: true, value: result.event };
    },
  });
}

/**
 * The codec for @app/messaging (`MessageCodec`) and the outbox (`OutboxCodec`): strict `encode` on the publisher
 * side, tolerant `decode` on the consumer side.
 */
export const cloudEventCodec: CloudEventCodec = createCloudEventCodec();
