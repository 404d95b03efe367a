/**
 * Helpers for plain (JSON-like) values and the field paths that name them, shared by both validators and the
 * upcasters, so that every error path is spelled the same way whichever validator found it.
 */

/** A non-null, non-array object: what an event, its `data` and each nested DTO must be. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Appends one property to a field path: `items` + `0` -> `items[0]` (when the parent is an array), `data` +
 * `quantity` -> `data.quantity`, and any name that is not an identifier is quoted (`data["fee amount"]`), so a path
 * always reads back unambiguously.
 */
export function joinPath(parent: string, property: string, parentIsArray: boolean): string {
  if (parentIsArray && /^\d+$/.test(property)) return `${parent}[${property}]`;
  if (!/^[A-Za-z_$][\w$]*$/.test(property)) return `${parent}[${JSON.stringify(property)}]`;
  return parent ? `${parent}.${property}` : property;
}
