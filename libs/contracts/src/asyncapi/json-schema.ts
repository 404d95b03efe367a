import {
  ARRAY_MAX_SIZE,
  ARRAY_MIN_SIZE,
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
  getMetadataStorage,
} from 'class-validator';

/** class-validator does not export this type from its entry point. */
type ValidationMetadata = ReturnType<ReturnType<typeof getMetadataStorage>['getTargetValidationMetadatas']>[number];

import { classDescription, propertyHints } from '../events/schema-hints';

/** The subset of JSON Schema (draft-07, AsyncAPI's default schema format) the generator emits. */
export interface JsonSchema {
  $ref?: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  const?: unknown;
  enum?: unknown[];
  format?: string;
  pattern?: string;
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

/** Reference to a schema under `components.schemas`. */
export function schemaRef(name: string): JsonSchema {
  return { $ref: `#/components/schemas/${name}` };
}

/**
 * Converts a class-validator DTO into JSON Schema from its decorators (read back through class-validator's metadata
 * storage), so the document cannot drift from what `validateEvent` enforces. Nested classes are registered by
 * class name and referenced. A decorator without a mapping below throws: extend the mapping when adding one.
 */
export function schemaForClass(ctor: Function, registry: SchemaRegistry): JsonSchema {
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
    const { schema, optional } = propertySchema(ctor, property, list, registry);
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
  ctor: Function,
  property: string,
  metadatas: ValidationMetadata[],
  registry: SchemaRegistry,
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
    const [first, second] = metadata.constraints ?? [];
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
    const ref = schemaForClass(itemType, registry);
    if (nestedEach) {
      schema.type = 'array';
      schema.items = ref;
    } else {
      return { schema: { ...ref, ...(schema.description ? { description: schema.description } : {}) }, optional };
    }
  }
  return { schema: orderKeys(schema), optional };
}

function setEnum(schema: JsonSchema, values: unknown[]): void {
  const unique = [...new Set(values)];
  if (unique.length === 1) schema.const = unique[0];
  else schema.enum = unique;
  if (unique.every((value) => typeof value === 'string')) schema.type = 'string';
}

const KEY_ORDER: (keyof JsonSchema)[] = [
  '$ref', 'type', 'description', 'const', 'enum', 'format', 'pattern', 'minimum', 'maximum', 'minLength', 'maxLength',
  'minItems', 'maxItems', 'items', 'required', 'properties', 'additionalProperties', 'examples',
];

/** Stable key order, so the YAML diff only changes when the contract does. */
function orderKeys(schema: JsonSchema): JsonSchema {
  const ordered: Record<string, unknown> = {};
  for (const key of KEY_ORDER) if (schema[key] !== undefined) ordered[key] = schema[key];
  return ordered as JsonSchema;
}
