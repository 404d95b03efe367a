import { EventCatalog } from '../events/event-catalog';
import { createEvent, type Subject } from '../index';
import { buildAsyncApiDocument } from '../index';
import { ALL_SUBJECTS } from '../subjects';
import { dataOf, validData } from '../testing/event-fixtures';
import { BROKEN_ATTRIBUTES, BROKEN_DATA } from '../testing/refusal-cases';
import { validateEvent } from './validate-event';

type Schema = Record<string, unknown>;

/**
 * A checker for exactly the JSON Schema subset the generator emits. It lets the test hold the generated schemas to
 * what `validateEvent` decides: an event the library accepts must satisfy its documented schema, and the broken
 * events below must be refused by both.
 */
function schemaErrors(schema: Schema, value: unknown, schemas: Record<string, Schema>, path = ''): string[] {
  if (typeof schema.$ref === 'string') return schemaErrors(schemas[schema.$ref.split('/').pop()!], value, schemas, path);
  const errors: string[] = [];
  const fail = (why: string) => errors.push(`${path || '(root)'}: ${why}`);
  switch (schema.type) {
    case 'object':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${path}: not an object`];
      break;
    case 'array':
      if (!Array.isArray(value)) return [`${path}: not an array`];
      break;
    case 'string':
      if (typeof value !== 'string') return [`${path}: not a string`];
      break;
    case 'integer':
      if (!Number.isInteger(value)) return [`${path}: not an integer`];
      break;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return [`${path}: not a number`];
      break;
  }
  if ('const' in schema && value !== schema.const) fail('const');
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) fail('enum');
  if (typeof value === 'string') {
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value)) fail('pattern');
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) fail('minLength');
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) fail('maxLength');
    if (schema.format === 'uuid' && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) fail('uuid');
    if (
      schema.format === 'date-time' &&
      (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value) || Number.isNaN(Date.parse(value)))
    ) {
      fail('date-time');
    }
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) fail('minimum');
    if (typeof schema.maximum === 'number' && value > schema.maximum) fail('maximum');
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) fail('minItems');
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) fail('maxItems');
    if (schema.items) value.forEach((item, i) => errors.push(...schemaErrors(schema.items as Schema, item, schemas, `${path}[${i}]`)));
  }
  if (schema.type === 'object') {
    const record = value as Record<string, unknown>;
    for (const key of (schema.required as string[] | undefined) ?? []) if (record[key] === undefined) fail(`required ${key}`);
    for (const [key, sub] of Object.entries((schema.properties as Record<string, Schema> | undefined) ?? {})) {
      if (record[key] !== undefined) errors.push(...schemaErrors(sub, record[key], schemas, path ? `${path}.${key}` : key));
    }
  }
  return errors;
}

const doc = buildAsyncApiDocument() as { components: { schemas: Record<string, Schema> } };
const schemas = doc.components.schemas;
const eventSchemaOf = (type: Subject): Schema => schemas[`${EventCatalog[type].dto.name.replace(/Data$/, '')}Event`];

function envelope(type: Subject, data: unknown): Record<string, unknown> {
  const event = createEvent(type, validData[type] as never, { source: 'test', causationId: 'cause-1' });
  return { ...event, data };
}

describe('generated JSON Schemas agree with validateEvent', () => {
  it.each(ALL_SUBJECTS.map((s) => [s]))('a valid %s event (fixture and catalog example) satisfies its schema', (type) => {
    for (const data of [dataOf(type), EventCatalog[type].example]) {
      const event = envelope(type, data);
      expect(validateEvent(event).ok).toBe(true);
      expect(schemaErrors(eventSchemaOf(type), event, schemas)).toEqual([]);
    }
  });

  it.each(BROKEN_DATA)('%s is refused by both', (_name, type, mutate) => {
    const data = dataOf(type);
    mutate(data);
    const event = envelope(type, data);
    expect(validateEvent(event).ok).toBe(false);
    expect(schemaErrors(eventSchemaOf(type), event, schemas)).not.toEqual([]);
  });

  it.each(BROKEN_ATTRIBUTES)('an envelope with a bad %s is refused by both', (attribute, value) => {
    const event = { ...envelope('orders.created', dataOf('orders.created')), [attribute]: value };
    expect(validateEvent(event).ok).toBe(false);
    expect(schemaErrors(eventSchemaOf('orders.created'), event, schemas)).not.toEqual([]);
  });
});
