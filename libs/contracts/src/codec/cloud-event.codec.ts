import type { DecodeFailureKind } from '@app/messaging';

import type { AnyEventEnvelope, EventEnvelope } from '../envelope/event-envelope';
import { validateEventFast } from '../validation/validate-event-fast';
import type { EventValidator, UpcasterRegistry, ValidateEventOptions } from '../validation/validation-flow';

/** `kind` is messaging's {@link DecodeFailureKind}: every kind is poison (dead-letter, never retried). */
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
  /**
   * The validation behind encode and decode; default `validateEventFast`. `validateEvent` (class-validator, about a
   * hundred microseconds per event) gives the reference behaviour, for comparisons.
   */
  validator?: EventValidator;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** JSON keys that would reach object prototypes through later spreading or transformation; never data. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * A key can only spell a forbidden name literally or through a \u escape (JSON's only escape that yields letters),
 * so text without either holds none, and skips the reviver, which makes parsing about four times slower.
 */
const MAY_HOLD_FORBIDDEN_KEY = /__proto__|constructor|prototype|\\u/;

function dropForbiddenKey(key: string, value: unknown): unknown {
  return FORBIDDEN_KEYS.has(key) ? undefined : value;
}

/** JSON text -> value, without any forbidden key at any depth. */
function parseEventJson(text: string): unknown {
  return MAY_HOLD_FORBIDDEN_KEY.test(text) ? JSON.parse(text, dropForbiddenKey) : JSON.parse(text);
}

/** Builds a codec; `cloudEventCodec` is the one with the catalog's upcasters only. */
export function createCloudEventCodec(options: CloudEventCodecOptions = {}): CloudEventCodec {
  const validate = options.validator ?? validateEventFast;
  const strict: ValidateEventOptions = { mode: 'strict' };
  const tolerant: ValidateEventOptions = { mode: 'tolerant', upcasters: options.upcasters };
  return Object.freeze({
    encode(event: EventEnvelope): EncodedEvent {
      const result = validate(event, strict);
      if (!result.ok) throw result.error;
      return { subject: result.event.type, msgId: result.event.id, data: encoder.encode(JSON.stringify(result.event)) };
    },

    decode(subject: string, bytes: Uint8Array): DecodeResult {
      let parsed: unknown;
      try {
        parsed = parseEventJson(decoder.decode(bytes));
      } catch (error) {
        return { ok: false, kind: 'malformed', reason: `not a UTF-8 JSON event: ${(error as Error).message}` };
      }
      const result = validate(parsed, tolerant);
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
