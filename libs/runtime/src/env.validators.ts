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
          typeof value === 'string' &&
          value.split(',').every((entry) => entry.trim().length > 0 && isNatsServer(entry.trim())),
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
