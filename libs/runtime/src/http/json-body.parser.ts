/** A client error raised while reading a request body; `statusCode` makes it a 400 problem document. */
export class BodyParseError extends Error {
  override readonly name = 'BodyParseError';
  readonly statusCode = 400;
}

/**
 * Parses a JSON request body, refusing the keys that pollute prototypes (`__proto__`, `constructor.prototype`)
 * with a message that says so: Fastify's parser reports them as "Body is not valid JSON", which sends a client
 * looking for a syntax error that is not there.
 */
export function parseJsonBody(body: Buffer | string): unknown {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (text.trim() === '') throw new BodyParseError('The body is empty; send a JSON object.');
  let forbidden: string | undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, function (this: unknown, key: string, value: unknown) {
      if (key === '__proto__') forbidden ??= '__proto__';
      else if (key === 'constructor' && typeof value === 'object' && value !== null && 'prototype' in value) forbidden ??= 'constructor.prototype';
      return value;
    });
  } catch (error) {
    throw new BodyParseError(`The body is not valid JSON: ${(error as Error).message}.`);
  }
  if (forbidden) throw new BodyParseError(`The body contains a "${forbidden}" key, which is not allowed in any request.`);
  return parsed;
}
