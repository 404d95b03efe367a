import { IsInt, IsISO4217CurrencyCode, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';

import { composeDecorators, Describe } from './schema-hints';

/** Bounds shared by every event; generous enough for any order the HTTP API accepts. */
export const LIMITS = Object.freeze({
  maxItems: 100,
  maxQuantity: 100_000,
  maxIdLength: 128,
  maxSkuLength: 64,
  maxMessageLength: 1000,
});

/** A stock keeping unit: letters or digits first, then letters, digits, dot, dash or underscore. */
export const SKU_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** An ISO 4217 alphabetic code as it travels in events: three upper-case letters. */
export const CURRENCY_PATTERN = /^[A-Z]{3}$/;

/** The order's id: a UUID, also the aggregate id in the envelope's `subject`. */
export function OrderId(): PropertyDecorator {
  return composeDecorators(IsString(), IsUUID(), Describe('The order (aggregate) id, a UUID.'));
}

/** An opaque identifier (customer, payment, ...). */
export function OpaqueId(description: string): PropertyDecorator {
  return composeDecorators(IsString(), MinLength(1), MaxLength(LIMITS.maxIdLength), Describe(description));
}

/** Money: an integer amount of minor units (cents), never a float. */
export function MinorUnits(description: string): PropertyDecorator {
  return composeDecorators(IsInt(), Min(0), Max(Number.MAX_SAFE_INTEGER), Describe(`${description} Integer minor units (e.g. cents).`));
}

/** An ISO 4217 alphabetic currency code such as `EUR`. */
export function Currency(): PropertyDecorator {
  // validator.js upper-cases before its lookup; the wire format is upper case only.
  return composeDecorators(
    IsString(),
    Matches(CURRENCY_PATTERN),
    IsISO4217CurrencyCode(),
    Describe('ISO 4217 currency code of every amount in the event.'),
  );
}

/** A stock keeping unit, the same rule as the HTTP API's. */
export function Sku(): PropertyDecorator {
  return composeDecorators(IsString(), MinLength(1), MaxLength(LIMITS.maxSkuLength), Matches(SKU_PATTERN), Describe('Stock keeping unit.'));
}

/** A number of units: a positive integer. */
export function Quantity(): PropertyDecorator {
  return composeDecorators(IsInt(), Min(1), Max(LIMITS.maxQuantity), Describe('Number of units, a positive integer.'));
}

/** A human-readable explanation beside a machine-readable reason. */
export function HumanMessage(): PropertyDecorator {
  return composeDecorators(IsString(), MinLength(1), MaxLength(LIMITS.maxMessageLength), Describe('Human-readable explanation.'));
}
