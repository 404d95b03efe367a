// class-transformer's @Type reads design-time metadata: load the polyfill here so the lib works outside Nest too.
import 'reflect-metadata';

import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, ValidateNested } from 'class-validator';

/**
 * What class-validator's metadata cannot tell the AsyncAPI generator: a property's description and the class of
 * nested objects (class-transformer keeps `@Type` in a private store). Decorators below write both here.
 */
interface PropertyHints {
  description?: string;
  itemType?: () => ClassRef;
}

/** A class, as a nested property's item type (`@NestedArray(() => OrderLine, ...)`). */
export type ClassRef = abstract new (...args: never[]) => unknown;

// Keyed by the class itself: only its identity is used.
const hints = new Map<object, Map<string, PropertyHints>>();
const classDescriptions = new Map<object, string>();

function hintsFor(target: object, propertyKey: string | symbol): PropertyHints {
  const ctor: object = target.constructor;
  let byProperty = hints.get(ctor);
  if (!byProperty) hints.set(ctor, (byProperty = new Map<string, PropertyHints>()));
  const key = String(propertyKey);
  let entry = byProperty.get(key);
  if (!entry) byProperty.set(key, (entry = {}));
  return entry;
}

/** Applies several property decorators as one. */
export function composeDecorators(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, propertyKey) => {
    for (const decorate of decorators) decorate(target, propertyKey);
  };
}

/** Documents a property in the generated AsyncAPI document. */
export function Describe(description: string): PropertyDecorator {
  return (target, propertyKey) => {
    hintsFor(target, propertyKey).description = description;
  };
}

/** Documents a DTO class in the generated AsyncAPI document. */
export function DescribeClass(description: string): ClassDecorator {
  return (target) => {
    classDescriptions.set(target, description);
  };
}

/**
 * An array of nested objects: `IsArray`, `ArrayMinSize`, `ArrayMaxSize`, `ValidateNested({ each: true })` and
 * `Type(() => itemType)`, and remembers the item class for the schema generator.
 */
export function NestedArray(itemType: () => ClassRef, bounds: { min: number; max: number }): PropertyDecorator {
  return composeDecorators(
    IsArray(),
    ArrayMinSize(bounds.min),
    ArrayMaxSize(bounds.max),
    ValidateNested({ each: true }),
    Type(itemType),
    (target, propertyKey) => {
      hintsFor(target, propertyKey).itemType = itemType;
    },
  );
}

/** @internal Read by the AsyncAPI generator. */
export function propertyHints(ctor: object, property: string): PropertyHints {
  for (let current: object | null = ctor; current && current !== Function.prototype; current = Object.getPrototypeOf(current) as object | null) {
    const found = hints.get(current)?.get(property);
    if (found) return found;
  }
  return {};
}

/** @internal Read by the AsyncAPI generator. */
export function classDescription(ctor: object): string | undefined {
  return classDescriptions.get(ctor);
}
