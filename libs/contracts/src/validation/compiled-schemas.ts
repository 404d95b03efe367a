import Ajv, { type ValidateFunction } from 'ajv';
import { isISO4217CurrencyCode, isRFC3339, isUUID, maxLength, minLength } from 'class-validator';

import { ISO4217_FORMAT, type JsonSchema, schemaForClass, type SchemaRegistry } from '../asyncapi/json-schema';
import { EventEnvelopeSchema } from '../envelope/event-envelope';
import { isRecord } from './plain-values';
import type { DataClass, ValidationMode } from './validation-flow';

/**
 * Options chosen so Ajv decides as class-validator does. `allErrors`: every failing field is reported, not the
 * first. `strictNumbers`: NaN and Infinity are not numbers (`@IsInt`, `@IsNumber()` refuse them). `unicodeRegExp:
 * false`: `@Matches` runs its pattern without the `u` flag. `verbose`: errors carry their schema, for the messages.
 */
const ajv = new Ajv({ allErrors: true, strict: true, strictNumbers: true, unicodeRegExp: false, verbose: true, messages: false });

// The formats are class-validator's own predicates, not ajv-formats': IsUUID refuses urn:uuid: and versions outside
// 1-8, which ajv-formats accepts, and IsRFC3339 accepts 2026-02-31 and refuses a +0100 offset, unlike ajv-formats.
ajv.addFormat('uuid', { type: 'string', validate: (value: string) => isUUID(value) });
ajv.addFormat('date-time', { type: 'string', validate: (value: string) => isRFC3339(value) });
ajv.addFormat(ISO4217_FORMAT, { type: 'string', validate: (value: string) => isISO4217CurrencyCode(value) });

// Ajv counts code points; class-validator (validator.js) also does not count a variation selector after a character
// ('A\uFE0F' is 1 long), so the built-in length keywords are replaced. Only a string holding a surrogate or a
// variation selector needs validator.js's counting (a regex test costs a fraction of it); any other is its `length`.
// eslint-disable-next-line no-misleading-character-class -- lone surrogate halves and bare variation selectors are what it looks for
const NEEDS_COUNTING = /[\uD800-\uDFFF\uFE0E\uFE0F]/;
ajv.removeKeyword('minLength');
ajv.removeKeyword('maxLength');
ajv.addKeyword({
  keyword: 'minLength',
  type: 'string',
  schemaType: 'number',
  errors: false,
  validate: (min: number, value: string) => (NEEDS_COUNTING.test(value) ? minLength(value, min) : value.length >= min),
});
ajv.addKeyword({
  keyword: 'maxLength',
  type: 'string',
  schemaType: 'number',
  errors: false,
  validate: (max: number, value: string) => (NEEDS_COUNTING.test(value) ? maxLength(value, max) : value.length <= max),
});

/** Copies the fields a schema declares (deeply) into new plain objects: tolerant readers drop everything else. */
export type Projection = (value: unknown) => unknown;

/** One compiled schema: the Ajv check, and the projection that builds the output of a value it accepted. */
export interface CompiledSchema {
  readonly check: ValidateFunction;
  readonly project: Projection;
}

/** The schemas of every DTO class, converted once per process in the dialect that states class-validator's rules. */
const registry: SchemaRegistry = new Map();
const compiledData = new Map<DataClass, Partial<Record<ValidationMode, CompiledSchema>>>();
let compiledEnvelope: CompiledSchema | undefined;

/**
 * The compiled check of the envelope's known attributes and `data` (only its being an object: its contents are the
 * DTO's to check). Compiled on first use, then cached for the process.
 */
export function envelopeSchema(): CompiledSchema {
  compiledEnvelope ??= compile(schemaForClass(EventEnvelopeSchema, registry, { dialect: 'validation' }), false);
  return compiledEnvelope;
}

/**
 * The compiled check of a DTO's `data`: strict refuses unknown fields at every level (`additionalProperties:
 * false`), tolerant allows them and its projection drops them. Compiled on first use, then cached for the process.
 */
export function dataSchema(dto: DataClass, mode: ValidationMode): CompiledSchema {
  let byMode = compiledData.get(dto);
  if (!byMode) compiledData.set(dto, (byMode = {}));
  return (byMode[mode] ??= compile(schemaForClass(dto, registry, { dialect: 'validation' }), mode === 'strict'));
}

function compile(ref: JsonSchema, strict: boolean): CompiledSchema {
  const schema = inline(ref, strict, []);
  return { check: ajv.compile(schema), project: projection(schema) };
}

/**
 * Replaces `$ref`s by the schemas they name, so one self-contained schema per DTO and mode is compiled, and the
 * projection walks the same tree. Event data is a tree; a DTO that nests itself is refused.
 */
function inline(schema: JsonSchema, strict: boolean, trail: readonly string[]): JsonSchema {
  if (schema.$ref !== undefined) {
    const { $ref, ...annotations } = schema;
    const name = $ref.split('/').pop()!;
    const target = registry.get(name);
    if (!target || trail.includes(name)) throw new Error(`validation schema: cannot inline ${$ref} (${[...trail, name].join(' -> ')})`);
    return { ...inline(target, strict, [...trail, name]), ...annotations };
  }
  const out: JsonSchema = { ...schema };
  if (schema.items) out.items = inline(schema.items, strict, trail);
  if (schema.properties) {
    out.properties = Object.fromEntries(Object.entries(schema.properties).map(([key, sub]) => [key, inline(sub, strict, trail)]));
    // Only DTO classes have `properties`; a bare @IsObject value is not whitelisted by class-validator either.
    if (strict) out.additionalProperties = false;
  }
  return out;
}

/** Built once per schema from its declared properties, so copying costs no lookups at run time. */
function projection(schema: JsonSchema): Projection {
  if (schema.properties) {
    const fields = Object.entries(schema.properties).map(([key, sub]) => [key, projection(sub)] as const);
    return (value) => {
      if (!isRecord(value)) return value;
      const out: Record<string, unknown> = {};
      for (const [key, project] of fields) {
        const field = value[key];
        if (field !== undefined) out[key] = project(field);
      }
      return out;
    };
  }
  if (schema.items) {
    const item = projection(schema.items);
    return (value) => (Array.isArray(value) ? value.map((element) => item(element)) : value);
  }
  // A value without declared fields (a bare @IsObject) is kept whole, as class-validator keeps it.
  return (value) => (typeof value === 'object' && value !== null ? structuredClone(value) : value);
}
