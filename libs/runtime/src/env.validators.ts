import { registerDecorator, type ValidationOptions } from 'class-validator';

const NATS_SCHEMES = new Set(['nats:', 'tls:', 'ws:', 'wss:']);

function isNatsServer(entry: string): boolean {
  // An explicit scheme is required: a bare word such as "nope" would otherwise parse as a host name and only
  // fail later, at connect time, far from the variable that caused it.
  try {
    const url = new URL(entry);
    return NATS_SCHEMES.has(url.protocol) && url.hostname.length > 0 && url.pathname.replace(/\/$/, '') === '';
  } catch {
    return false;
  }
}

/** A comma-separated list of NATS server URLs (`nats://host:port`, `tls://…`, `ws://…`, `wss://…`). */
export function IsNatsServerList(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isNatsServerList',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: 'must be a comma-separated list of nats://host:port URLs', ...options },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && value.split(',').every((entry) => entry.trim().length > 0 && isNatsServer(entry.trim())),
      },
    });
}

/** A `postgres://` or `postgresql://` connection URL. */
export function IsPostgresUrl(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isPostgresUrl',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: 'must be a postgres://user@host:port/database URL', ...options },
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string') return false;
          try {
            const url = new URL(value);
            return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname.length > 0;
          } catch {
            return false;
          }
        },
      },
    });
}

/** The ways of authenticating to NATS, of which `.env.example` allows at most one. */
export const NATS_AUTH_VARIABLES = ['NATS_TOKEN', 'NATS_USER', 'NATS_NKEY_SEED', 'NATS_CREDS_FILE'] as const;

/**
 * At most one NATS authentication variable is set. Put on each of them: only the first one set reports, so a
 * conflict is one line (`NATS_TOKEN cannot be combined with NATS_USER ...`), not one per variable.
 */
export function IsOnlyNatsAuthentication(): PropertyDecorator {
  const setOnes = (object: object) =>
    NATS_AUTH_VARIABLES.filter((name) => {
      const value = (object as Record<string, unknown>)[name];
      return value !== undefined && value !== '';
    });
  return (target, propertyName) =>
    registerDecorator({
      name: 'isOnlyNatsAuthentication',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: (args) =>
          `cannot be combined with ${setOnes(args.object)
            .filter((name) => name !== args.property)
            .join(' and ')}: set at most one way of authenticating to NATS (token; user and password; NKey seed; credentials file)`,
      },
      validator: {
        validate: (_value: unknown, args) => {
          const set = setOnes(args!.object);
          return set.length <= 1 || set[0] !== propertyName;
        },
      },
    });
}
