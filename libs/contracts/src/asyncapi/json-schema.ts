import {
  ARRAY_MAX_SIZE,
  ARRAY_MIN_SIZE,
  getMetadataStorage,
  IS_ARRAY,
  IS_ENUM,
  IS_IN,
  IS_INT,
  IS_ISO4217_CURRENCY_CODE,
  IS_NUMBER,
  IS_OBJECT,
  IS_RFC_3339,
  IS_STRING,
  IS_UUID,
  MATCHES,
  MAX,
  MAX_LENGTH,
  MIN,
  MIN_LENGTH,
} from 'class-validator';

/** class-validator does not export this type from its entry point. */
type ValidationMetadata = ReturnType<ReturnType<typeof getMetadataStorage>['getTargetValidationMetadatas']>[number];

import { classDescription, type ClassRef, propertyHints } from '../events/schema-hints';

/** The subset of JSON Schema (draft-07, AsyncAPI's default schema format) the generator emits. */
export interface JsonSchema {
  $ref?: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  const?: unknown;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  required?: string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  examples?: unknown[];
}

/** Named schemas collected while converting, written to `components.schemas`. */
export type SchemaRegistry = Map<string, JsonSchema>;

/**
 * `document` (default): plain JSON Schema for the AsyncAPI document. `validation`: for the compiled validator, which
 * must decide exactly as class-validator does, so it also states what plain JSON Schema cannot: the ISO 4217 list
 * (format `iso4217-currency-code`), that `@IsOptional` accepts null (`nullable`), and the type a bare `@Min` or
 * `@MinLength` implies; and it refuses decorator options it cannot express instead of ignoring them.
 */
export type SchemaDialect = 'document' | 'validation';

/** Options of `schemaForClass`. */
export interface SchemaOptions {
  dialect?: SchemaDialect;
}

/** The format the validation dialect gives `@IsISO4217CurrencyCode`; the compiled validator defines it. */
export const ISO4217_FORMAT = 'iso4217-currency-code';

/** Reference to a schema under `components.schemas`. */
export function schemaRef(name: string): JsonSchema {
  return { $ref: `#/components/schemas/${name}` };
}

/**
 * Converts a class-validator DTO into JSON Schema from its decorators (read back through class-validator's metadata
 * storage), so the document cannot drift from what `validateEvent` enforces; in the `validation` dialect the same
 * conversion is what `validateEventFast` compiles. Nested classes are registered by class name and referenced (one
 * registry per dialect). A decorator without a mapping below throws: extend the mapping when adding one.
 */
export function schemaForClass(ctor: ClassRef, registry: SchemaRegistry, options: SchemaOptions = {}): JsonSchema {
  const name = ctor.name;
  if (registry.has(name)) return schemaRef(name);
  registry.set(name, {}); // placeholder against cycles
  const metadatas = getMetadataStorage().getTargetValidationMetadatas(ctor, '', false, false);
  const byProperty = new Map<string, ValidationMetadata[]>();
  for (const metadata of metadatas) {
    const list = byProperty.get(metadata.propertyName) ?? [];
    list.push(metadata);
    byProperty.set(metadata.propertyName, list);
  }
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [property, list] of byProperty) {
    const { schema, optional } = propertySchema(ctor, property, list, registry, options.dialect === 'validation');
    properties[property] = schema;
    if (!optional) required.push(property);
  }
  const description = classDescription(ctor);
  registry.set(name, {
    type: 'object',
    ...(description ? { description } : {}),
    required,
    properties,
  });
  return schemaRef(name);
}

function propertySchema(
  ctor: ClassRef,
  property: string,
  metadatas: ValidationMetadata[],
  registry: SchemaRegistry,
  exact: boolean,
): { schema: JsonSchema; optional: boolean } {
  const schema: JsonSchema = {};
  const hints = propertyHints(ctor, property);
  if (hints.description) schema.description = hints.description;
  let optional = false;
  let nestedEach = false;
  let nested = false;
  for (const metadata of metadatas) {
    switch (metadata.type) {
      case 'conditionalValidation':
        optional = true;
        continue;
      case 'nestedValidation':
        nested = true;
        nestedEach = nestedEach || metadata.each;
        continue;
      case 'whitelistValidation':
        continue;
    }
    const [first, second] = (metadata.constraints ?? []) as unknown[];
    if (exact) refuseInexpressible(ctor, property, metadata);
    switch (metadata.name) {
      case IS_STRING:
        schema.type = 'string';
        break;
      case IS_INT:
        schema.type = 'integer';
        break;
      case IS_NUMBER:
        schema.type = 'number';
        break;
      case IS_OBJECT:
        schema.type = 'object';
        break;
      case IS_ARRAY:
        schema.type = 'array';
        break;
      case MIN:
        schema.minimum = first as number;
        break;
      case MAX:
        schema.maximum = first as number;
        break;
      case MIN_LENGTH:
        schema.minLength = first as number;
        break;
      case MAX_LENGTH:
        schema.maxLength = first as number;
        break;
      case ARRAY_MIN_SIZE:
        schema.minItems = first as number;
        break;
      case ARRAY_MAX_SIZE:
        schema.maxItems = first as number;
        break;
      case MATCHES:
        schema.type = 'string';
        schema.pattern = first instanceof RegExp ? first.source : String(first);
        break;
      case IS_UUID:
        schema.type = 'string';
        schema.format = 'uuid';
        break;
      case IS_RFC_3339:
        schema.type = 'string';
        schema.format = 'date-time';
        break;
      case IS_ISO4217_CURRENCY_CODE:
        schema.type = 'string';
        schema.pattern = '^[A-Z]{3}$';
        // The pattern documents the wire format; only the list of codes refuses ABC.
        if (exact) schema.format = ISO4217_FORMAT;
        break;
      case IS_IN:
        setEnum(schema, first as unknown[]);
        break;
      case IS_ENUM:
        setEnum(schema, second as unknown[]);
        break;
      default:
        throw new Error(
          `asyncapi: no JSON Schema mapping for @${metadata.name ?? metadata.type} on ${ctor.name}.${property}; add one in json-schema.ts`,
        );
    }
  }
  if (nested) {
    const itemType = hints.itemType?.();
    if (!itemType) {
      throw new Error(`asyncapi: ${ctor.name}.${property} is nested but declares no type; use @NestedArray(() => Type, ...)`);
    }
    const ref = schemaForClass(itemType, registry, { dialect: exact ? 'validation' : 'document' });
    if (nestedEach) {
      schema.type = 'array';
      schema.items = ref;
    } else {
      return { schema: { ...ref, ...(schema.description ? { description: schema.description } : {}) }, optional };
    }
  }
  if (exact) {
    schema.type ??= impliedType(schema);
    // @IsOptional skips null as well as undefined.
    if (optional && schema.type) schema.nullable = true;
  }
  return { schema: orderKeys(schema), optional };
}

/** class-validator's bounds refuse other types (`@Min` refuses '5'); JSON Schema's only constrain their own type. */
function impliedType(schema: JsonSchema): JsonSchema['type'] {
  if (schema.minimum !== undefined || schema.maximum !== undefined) return 'number';
  if (schema.minLength !== undefined || schema.maxLength !== undefined) return 'string';
  if (schema.minItems !== undefined || schema.maxItems !== undefined) return 'array';
  return undefined;
}

/** Options the mapping above ignores would make the compiled validator decide differently: refuse them. */
function refuseInexpressible(ctor: ClassRef, property: string, metadata: ValidationMetadata): void {
  const [first, second] = (metadata.constraints ?? []) as unknown[];
  const numberOptions = metadata.name === IS_NUMBER ? ((first ?? {}) as Record<string, unknown>) : {};
  const inexpressible =
    (metadata.each && metadata.type !== 'nestedValidation') ||
    (metadata.name === IS_UUID && first !== undefined && first !== null) ||
    (metadata.name === MATCHES && ((first instanceof RegExp && first.flags !== '') || (second !== undefined && second !== ''))) ||
    Object.values(numberOptions).some((value) => value !== false && value !== undefined);
  if (inexpressible) {
    throw new Error(`validation schema: @${metadata.name} on ${ctor.name}.${property} has options JSON Schema cannot state; extend json-schema.ts`);
  }
}

function setEnum(schema: JsonSchema, values: unknown[]): void {
  const unique = [...new Set(values)];
  if (unique.length === 1) schema.const = unique[0];
  else schema.enum = unique;
  if (unique.every((value) => typeof value === 'string')) schema.type = 'string';
}

const KEY_ORDER: (keyof JsonSchema)[] = [
  '$ref',
  'type',
  'nullable',
  'description',
  'const',
  'enum',
  'format',
  'pattern',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'items',
  'required',
  'properties',
  'additionalProperties',
  'examples',
];

/** Stable key order, so the YAML diff only changes when the contract does. */
function orderKeys(schema: JsonSchema): JsonSchema {
  const ordered: Record<string, unknown> = {};
  for (const key of KEY_ORDER) if (schema[key] !== undefined) ordered[key] = schema[key];
  return ordered;
}
