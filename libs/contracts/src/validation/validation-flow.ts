import { type AnyEventEnvelope, ENVELOPE_ATTRIBUTES } from '../envelope/event-envelope';
import { EventCatalog, type EventDefinition, type Upcaster } from '../events/event-catalog';
import { isSubject, type Subject } from '../subjects';
import { EventValidationError, type FieldError } from './event-validation.error';
import { isRecord } from './plain-values';

/**
 * `strict` (publisher): unknown envelope attributes and unknown `data` fields are refused, and `dataversion` must be
 * the current one. `tolerant` (consumer): unknown attributes and `data` fields are dropped (tolerant reader), and
 * older versions are upcast before validation; newer ones are refused as unsupported.
 */
export type ValidationMode = 'strict' | 'tolerant';

/** Upcasters a consumer registers on top of the catalog's, keyed by event type, then by the version they read. */
export type UpcasterRegistry = { readonly [S in Subject]?: Readonly<Record<string, Upcaster>> };

/** Options of an `EventValidator`. */
export interface ValidateEventOptions {
  /** Default `strict`. */
  mode?: ValidationMode;
  /**
   * Tolerant mode only: extra upcasters, consulted before the catalog's (`{ 'orders.created': { '1': fn } }`), for a
   * consumer that still accepts versions the library has dropped or reads them differently.
   */
  upcasters?: UpcasterRegistry;
}

/** The typed event (`data` a plain object of the current version), or the error listing every failing field. */
export type EventValidationResult = { ok: true; event: AnyEventEnvelope } | { ok: false; error: EventValidationError };

/** Validates one event; never throws. `validateEvent` and `validateEventFast` are the two implementations. */
export type EventValidator = (input: unknown, options?: ValidateEventOptions) => EventValidationResult;

/** A DTO class of one version of an event's `data`. */
export type DataClass = new () => object;

/** `data` checked against one DTO: a fresh plain copy with only the DTO's fields, or the failing fields. */
export type DataCheck = { ok: true; data: object } | { ok: false; errors: FieldError[] };

/**
 * How one validator checks the parts of an event. Everything else (attributes, types, versions, upcasting, modes,
 * error kinds) is decided once, in `createEventValidator`, so the implementations cannot disagree on it.
 */
export interface ValidationEngine {
  /** The envelope: its known attributes (undefined ones left out) and `data` (only that it is an object). */
  checkEnvelope(envelope: Readonly<Record<string, unknown>>): FieldError[];
  /**
   * `data` against a DTO; paths under `data`. Strict refuses unknown fields, tolerant drops them. On success the
   * copy shares nothing with the input, so callers may keep it while the input changes. Never throws.
   */
  checkData(dto: DataClass, data: Record<string, unknown>, mode: ValidationMode): DataCheck;
}

const KNOWN_ATTRIBUTES: ReadonlySet<string> = new Set(ENVELOPE_ATTRIBUTES);

/** The validation flow of publishers and consumers around an engine's field checks. */
export function createEventValidator(engine: ValidationEngine): EventValidator {
  return function validate(input: unknown, options: ValidateEventOptions = {}): EventValidationResult {
    const mode = options.mode ?? 'strict';
    if (!isRecord(input)) return fail([{ path: '', message: 'an event must be a JSON object' }], 'invalid');

    const errors: FieldError[] = [];
    if (mode === 'strict') {
      for (const key of Object.keys(input)) {
        if (key !== 'data' && !KNOWN_ATTRIBUTES.has(key)) errors.push({ path: key, message: `unknown attribute ${key} is not allowed` });
      }
    }
    // Each attribute is read once: what is checked is what the event is built from, whatever the input's getters do.
    const envelope: Record<string, unknown> = {};
    for (const name of ENVELOPE_ATTRIBUTES) {
      const value = input[name];
      if (value !== undefined) envelope[name] = value;
    }
    envelope.data = input.data;
    const envelopeErrors = engine.checkEnvelope(envelope);
    if (envelopeErrors.length > 0) errors.push(...envelopeErrors);

    const type = envelope.type;
    if (!isSubject(type)) {
      if (typeof type !== 'string' || type === '') return fail(errors, 'invalid');
      const others = errors.filter((error) => error.path !== 'type');
      return fail([{ path: 'type', message: `no event type ${JSON.stringify(type)} is known to this consumer` }, ...others], 'unknown-type', type);
    }
    const definition: EventDefinition = EventCatalog[type];

    let data = envelope.data;
    const declared = envelope.dataversion;
    const version = typeof declared === 'string' && /^[1-9][0-9]*$/.test(declared) ? declared : undefined;
    if (version !== undefined && version !== definition.currentVersion) {
      if (mode === 'strict') {
        errors.push({
          path: 'dataversion',
          message: `publishers must emit the current version ${definition.currentVersion} of ${type}, not ${version}`,
        });
      } else {
        // An older version with a documented DTO is checked as that version first, so errors name its own fields
        // (data.items[0].price, not a unitPrice the upcaster could not compute).
        const olderDto = definition.previousVersions?.[version];
        if (olderDto && isRecord(data)) {
          const older = engine.checkData(olderDto, data, 'tolerant');
          if (!older.ok) return fail([...errors, ...older.errors], 'invalid', type);
        }
        const upcast = upcastData(type, definition, version, data, options.upcasters?.[type]);
        if (!upcast.ok) return fail([...errors, { path: 'dataversion', message: upcast.reason }], 'unsupported-version', type);
        data = upcast.data;
      }
    }

    let validData: object | undefined;
    if (isRecord(data)) {
      const checked = engine.checkData(definition.dto, data, mode);
      if (checked.ok) validData = checked.data;
      else errors.push(...checked.errors);
    } else if (!errors.some((error) => error.path === 'data')) {
      errors.push({ path: 'data', message: 'data must be an object' });
    }
    if (errors.length > 0 || validData === undefined) return fail(errors, 'invalid', type);

    // The checked envelope becomes the event: known attributes only, `data` replaced by its validated copy.
    envelope.dataversion = definition.currentVersion;
    envelope.data = validData;
    return { ok: true, event: envelope as unknown as AnyEventEnvelope };
  };
}

/**
 * Applies the registered upcasters from `version` up to the current version. A version newer than the current one
 * is not guessed at.
 */
function upcastData(
  type: string,
  definition: EventDefinition,
  version: string,
  data: unknown,
  registered: Readonly<Record<string, Upcaster>> = {},
): { ok: true; data: unknown } | { ok: false; reason: string } {
  const current = Number(definition.currentVersion);
  let at = Number(version);
  if (at > current) {
    return {
      ok: false,
      reason: `${type} dataversion ${version} is newer than the newest version this consumer knows (${definition.currentVersion}); upgrade @app/contracts to read it`,
    };
  }
  let upcast = data;
  while (at < current) {
    const upcaster = registered[String(at)] ?? definition.upcasters[String(at)];
    if (!upcaster) {
      return { ok: false, reason: `${type} dataversion ${at} is no longer supported: no upcaster from version ${at} to ${at + 1}` };
    }
    try {
      upcast = upcaster(upcast);
    } catch (error) {
      return { ok: false, reason: `the ${type} upcaster from version ${at} failed: ${(error as Error).message}` };
    }
    at += 1;
  }
  return { ok: true, data: upcast };
}

function fail(errors: FieldError[], kind: EventValidationError['kind'], type?: string): EventValidationResult {
  return { ok: false, error: new EventValidationError(errors, kind, type) };
}
