import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

/** Raised when the environment does not satisfy an app's schema. The message is meant for an operator. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

type EnvClass<T> = new () => T;

const SECRET = /TOKEN|PASSWORD|SEED|SECRET/;

function describe(errors: ValidationError[], raw: Record<string, unknown>): string[] {
  return errors.flatMap((error) => {
    const value = raw[error.property];
    // Secrets are never echoed into logs: say that one is set, not what it is.
    const shown = value === undefined ? 'unset' : SECRET.test(error.property) ? 'set' : `got ${JSON.stringify(value)}`;
    const messages = new Set(Object.values(error.constraints ?? {}));
    return [...messages].map((message) => `${error.property} ${message} (${shown})`);
  });
}

/**
 * Validates `raw` (normally `process.env`) against an env schema class and returns the typed result with defaults
 * applied. Empty strings count as unset, so `PORT=` falls back to the default instead of failing on "".
 * Throws {@link ConfigValidationError} listing every bad variable at once.
 */
export function validateEnv<T extends object>(
  schema: EnvClass<T>,
  raw: Record<string, unknown>,
  defaults: Partial<Record<keyof T, unknown>> = {},
): T {
  const input: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(raw)) {
    if (value !== undefined && value !== '') input[key] = value;
  }
  const instance = plainToInstance(schema, input, { exposeDefaultValues: true });
  const errors = validateSync(instance, { forbidUnknownValues: false });
  if (errors.length > 0) throw new ConfigValidationError(describe(errors, input));
  return instance;
}

/**
 * The one read of `process.env` a service makes: validates it against the app's env schema (see {@link validateEnv}).
 * `runService` calls it once at boot and hands the result to the module tree; nothing else reads the environment.
 */
export function loadEnv<T extends object>(schema: EnvClass<T>): T {
  return validateEnv(schema, process.env);
}

/** The version npm gives the process when it runs a script (`npm_package_version`), for documents such as OpenAPI. */
export function packageVersion(): string {
  return process.env.npm_package_version ?? '0.0.0';
}
