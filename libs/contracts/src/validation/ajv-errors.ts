import type { ErrorObject } from 'ajv';

import type { JsonSchema } from '../asyncapi/json-schema';
import type { FieldError } from './event-validation.error';
import { isRecord, joinPath } from './plain-values';

/** What each JSON Schema type expects, in class-validator's words (`quantity must be an integer number`). */
const EXPECTED_TYPE: Readonly<Record<string, string>> = {
  string: 'a string',
  integer: 'an integer number',
  number: 'a number conforming to the specified constraints',
  object: 'an object',
  array: 'an array',
  boolean: 'a boolean value',
};

/** class-validator's wording for the formats the validation dialect emits. */
const EXPECTED_FORMAT: Readonly<Record<string, string>> = {
  uuid: 'a UUID',
  'date-time': 'RFC 3339 date',
  'iso4217-currency-code': 'a valid ISO4217 currency code',
};

/**
 * Ajv's errors -> one FieldError per failing field, paths and messages as class-validator's: `data.items[0].quantity`,
 * `quantity must not be less than 1`. `root` is the validated value (to tell arrays from objects along the path),
 * `prefix` the path of that value in the event (`data`, or '' for the envelope).
 */
export function fieldErrors(errors: readonly ErrorObject[], root: unknown, prefix: string): FieldError[] {
  const byPath = new Map<string, { message: string; rank: number }>();
  for (const error of errors) {
    const { path, property, inArray } = locate(error, root, prefix);
    const rank = error.keyword === 'type' || error.keyword === 'required' ? 0 : 1;
    const seen = byPath.get(path);
    // class-validator stops at a field's first broken rule; Ajv may add e.g. `const` beside `type`: the type wins.
    if (!seen || rank < seen.rank) byPath.set(path, { message: describe(error, property, inArray), rank });
  }
  return [...byPath].map(([path, { message }]) => ({ path, message }));
}

/** The failing field's path, its own name, and whether it is an element of an array (`items[0]`). */
function locate(error: ErrorObject, root: unknown, prefix: string): { path: string; property: string; inArray: boolean } {
  let path = prefix;
  let property = prefix;
  let inArray = false;
  let value = root;
  for (const segment of error.instancePath.split('/').slice(1)) {
    const key = segment.replace(/~1/g, '/').replace(/~0/g, '~');
    inArray = Array.isArray(value);
    // An element is named after its array, as class-validator does ("each value in items").
    if (!inArray) property = key;
    path = joinPath(path, key, inArray);
    value = isRecord(value) || Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
  }
  // These two name a property of the object at instancePath, not the object itself.
  const child: unknown = error.keyword === 'required' ? error.params.missingProperty : error.params.additionalProperty;
  if ((error.keyword === 'required' || error.keyword === 'additionalProperties') && typeof child === 'string') {
    return { path: joinPath(path, child, false), property: child, inArray: false };
  }
  return { path, property, inArray };
}

function describe(error: ErrorObject, property: string, inArray: boolean): string {
  const params = error.params as Record<string, unknown>;
  const subject = inArray ? `each value in ${property}` : property;
  switch (error.keyword) {
    case 'type':
      return `${subject} must be ${expected(error.parentSchema as JsonSchema | undefined)}`;
    case 'required':
      return missing(property, (error.parentSchema as JsonSchema | undefined)?.properties?.[property]);
    case 'additionalProperties':
      return `property ${property} should not exist`;
    case 'minimum':
      return `${subject} must not be less than ${String(params.limit)}`;
    case 'maximum':
      return `${subject} must not be greater than ${String(params.limit)}`;
    case 'minLength':
      return `${subject} must be longer than or equal to ${String(error.schema)} characters`;
    case 'maxLength':
      return `${subject} must be shorter than or equal to ${String(error.schema)} characters`;
    case 'minItems':
      return `${subject} must contain at least ${String(params.limit)} elements`;
    case 'maxItems':
      return `${subject} must contain no more than ${String(params.limit)} elements`;
    case 'pattern':
      return `${subject} must match /${String(params.pattern)}/ regular expression`;
    case 'format':
      return `${subject} must be ${EXPECTED_FORMAT[String(params.format)] ?? `a valid ${String(params.format)}`}`;
    case 'const':
    case 'enum':
      return `${subject} must be ${expected(error.parentSchema as JsonSchema | undefined)}`;
    default:
      return `${subject} breaks the rule ${error.keyword}`;
  }
}

/** `subject is missing; expected the aggregate id (the order id)`, from the field's documented description. */
function missing(property: string, schema: JsonSchema | undefined): string {
  const description = schema?.description;
  if (!description) return `${property} is missing; expected ${expected(schema)}`;
  return `${property} is missing; expected ${description.charAt(0).toLowerCase()}${description.slice(1).replace(/\.$/, '')}`;
}

/** What a missing or mistyped field must be: its allowed values if it has a list (as @IsIn says), else its type. */
function expected(schema: JsonSchema | undefined): string {
  if (schema?.const !== undefined)
    return `one of the following values: ${typeof schema.const === 'string' ? schema.const : JSON.stringify(schema.const)}`;
  if (schema?.enum) return `one of the following values: ${schema.enum.join(', ')}`;
  return EXPECTED_TYPE[schema?.type ?? ''] ?? 'present';
}
