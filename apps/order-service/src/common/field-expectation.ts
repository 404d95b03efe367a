/**
 * One sentence per request field saying what a valid value looks like. class-validator reports every broken rule
 * of a field (`"customerId": 5` breaks isString, minLength and maxLength) and some of its messages mislead
 * (`limit=abc` "must not be greater than 100"); clients need the one rule they must satisfy instead.
 */
const expectations = new Map<object, Map<string, string>>();

/** Documents what `property` must be; validation failures of the field are reported as `<property> must be <text>`. */
export function Expect(text: string): PropertyDecorator {
  return (target, propertyKey) => {
    const ctor: object = target.constructor;
    let byProperty = expectations.get(ctor);
    if (!byProperty) expectations.set(ctor, (byProperty = new Map<string, string>()));
    byProperty.set(String(propertyKey), text);
  };
}

/** What `property` of the object `target` must be, when its class documents it with `@Expect`. */
export function expectationOf(target: unknown, property: string): string | undefined {
  if (typeof target !== 'object' || target === null) return undefined;
  for (let ctor: object | null = target.constructor; ctor && ctor !== Object; ctor = Object.getPrototypeOf(ctor) as object | null) {
    const found = expectations.get(ctor)?.get(property);
    if (found) return found;
  }
  return undefined;
}
