import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError, type ValidatorOptions } from 'class-validator';

import { ENVELOPE_ATTRIBUTES, EventEnvelopeSchema, type AnyEventEnvelope } from '../envelope/event-envelope';
import { EventCatalog, type EventDefinition, type Upcaster } from '../events/event-catalog';
import { propertyHints } from '../events/schema-hints';
import { isSubject, type Subject } from '../subjects';
import { EventValidationError, type FieldError } from './event-validation.error';

/**
 * `strict` (publisher): unknown envelope attributes and unknown `data` fields are refused, and `dataversion` must be
 * the current one. `tolerant` (consumer): unknown attributes and `data` fields are dropped (tolerant reader), and
 * older versions are upcast before validation; newer ones are refused as unsupported.
 */
export type ValidationMode = 'strict' | 'tolerant';

/** Upcasters a consumer registers on top of the catalog's, keyed by event type, then by the version they read. */
export type UpcasterRegistry = { readonly [S in Subject]?: Readonly<Record<string, Upcaster>> };

export interface ValidateEventOptions {
  /** Default `strict`. */
  mode?: ValidationMode;
  /**
   * Tolerant mode only: extra upcasters, consulted before the catalog's (`{ 'orders.created': { '1': fn } }`), for a
   * consumer that still accepts versions the library has dropped or reads them differently.
   */
  upcasters?: UpcasterRegistry;
}

export type EventValidationResult = { ok: true; event: AnyEventEnvelope } | { ok: false; error: EventValidationError };

const BASE_OPTIONS: ValidatorOptions = {
  forbidUnknownValues: true,
  // One message per failing field (its first broken rule) keeps reasons short; every field is still reported.
  stopAtFirstError: true,
  // The value tells a missing field from a wrong one; the target finds the field's description for the message.
  validationError: { target: true, value: true },
};

/**
 * The one validation used by publishers (`createEvent`, `cloudEventCodec.encode`) and consumers
 * (`cloudEventCodec.decode`). Returns the typed event, `data` as a plain object of the current version, or an
 * error listing every failing field path (`data.items[0].quantity`). Never throws.
 */
export function validateEvent(input: unknown, options: ValidateEventOptions = {}): EventValidationResult {
  const mode = options.mode ?? 'strict';
  if (!isRecord(input)) return fail([{ path: '', message: 'an event must be a JSON object' }], 'invalid');

  const errors: FieldError[] = [];
  const attributes: Record<string, unknown> = {};
  for (const name of ENVELOPE_ATTRIBUTES) {
    if (input[name] !== undefined) attributes[name] = input[name];
  }
  if (mode === 'strict') {
    for (const key of Object.keys(input)) {
      if (key !== 'data' && !(ENVELOPE_ATTRIBUTES as readonly string[]).includes(key)) {
        errors.push({ path: key, message: `unknown attribute ${key} is not allowed` });
      }
    }
  }
  const envelope = Object.assign(new EventEnvelopeSchema(), attributes, { data: input.data });
  errors.push(...flatten(validateSync(envelope, BASE_OPTIONS), ''));

  const type = input.type;
  if (!isSubject(type)) {
    if (typeof type !== 'string' || type === '') return fail(errors, 'invalid');
    const others = errors.filter((error) => error.path !== 'type');
    return fail([{ path: 'type', message: `no event type ${JSON.stringify(type)} is known to this consumer` }, ...others], 'unknown-type', type);
  }
  const definition: EventDefinition = EventCatalog[type];

  let data = input.data;
  const version = typeof input.dataversion === 'string' && /^[1-9][0-9]*$/.test(input.dataversion) ? input.dataversion : undefined;
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
        const olderErrors = validateData(olderDto, data, 'tolerant');
        if (olderErrors.length > 0) return fail([...errors, ...olderErrors], 'invalid', type);
      }
      const upcast = upcastData(type, definition, version, data, options.upcasters?.[type]);
      if (!upcast.ok) return fail([...errors, { path: 'dataversion', message: upcast.reason }], 'unsupported-version', type);
      data = upcast.data;
    }
  }

  let validData: object | undefined;
  if (isRecord(data)) {
    const instance = {};
    const dataErrors = validateData(definition.dto, data, mode, instance);
    errors.push(...dataErrors);
    if (dataErrors.length === 0) validData = instance;
  } else if (!errors.some((error) => error.path === 'data')) {
    errors.push({ path: 'data', message: 'data must be an object' });
  }
  if (errors.length > 0 || validData === undefined) return fail(errors, 'invalid', type);

  const event = {
    ...attributes,
    dataversion: definition.currentVersion,
    // Plain objects out: consumers and serializers never see DTO instances.
    data: structuredClone(validData),
  } as AnyEventEnvelope;
  return { ok: true, event };
}

/**
 * Validates `data` against a DTO class; returns the failing fields (paths under `data`). On success the transformed
 * (whitelisted) data is copied into `out`.
 */
function validateData(dto: new () => object, data: Record<string, unknown>, mode: ValidationMode, out: object = {}): FieldError[] {
  try {
    const instance = plainToInstance(dto, data) as object;
    const errors = validateSync(instance, { ...BASE_OPTIONS, whitelist: true, forbidNonWhitelisted: mode === 'strict' });
    if (errors.length > 0) return flatten(errors, 'data');
    Object.assign(out, instance);
    return [];
  } catch (error) {
    // Only exotic input gets here (cycles, getters that throw); it is invalid, and validateEvent never throws.
    return [{ path: 'data', message: `data could not be read: ${(error as Error).message}` }];
  }
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

/** class-validator's error tree -> one entry per failed constraint, with JSON-path-like paths. */
function flatten(errors: ValidationError[], parent: string, parentIsArray = false): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const path = joinPath(parent, error.property, parentIsArray);
    if (error.constraints && (error.value === undefined || error.value === null)) {
      // The first rule checked on an absent field is arbitrary ("subject must be shorter than or equal to 256
      // characters" for no subject at all): say it is missing and what belongs there.
      out.push({ path, message: missing(error) });
      continue;
    }
    for (const message of Object.values(error.constraints ?? {})) out.push({ path, message });
    if (error.children?.length) {
      const isArray = Array.isArray(error.value) || error.children.every((child) => /^\d+$/.test(child.property));
      out.push(...flatten(error.children, path, isArray));
    }
  }
  return out;
}

function joinPath(parent: string, property: string, parentIsArray: boolean): string {
  if (parentIsArray && /^\d+$/.test(property)) return `${parent}[${property}]`;
  if (!/^[A-Za-z_$][\w$]*$/.test(property)) return `${parent}[${JSON.stringify(property)}]`;
  return parent ? `${parent}.${property}` : property;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `subject is missing; expected the aggregate id (the order id)`, from the field's documented description. */
function missing(error: ValidationError): string {
  const description = error.target ? propertyHints(error.target.constructor, error.property).description : undefined;
  if (!description) return `${error.property} is missing`;
  return `${error.property} is missing; expected ${description.charAt(0).toLowerCase()}${description.slice(1).replace(/\.$/, '')}`;
}
