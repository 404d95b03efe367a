import type { IncomingMessage } from 'node:http';

import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';

import type { LogFormat, LogLevel } from './common.env';

const QUIET_PATHS = /^\/(health|metrics)(\/|$)/;

/** Extra fields merged into every log line (telemetry adds `trace_id`/`span_id` here). */
export type LogMixin = () => Record<string, unknown>;

let mixin: LogMixin | undefined;

/** Registers the function whose fields are merged into every log line. Call before the app is created. */
export function setLogMixin(fn: LogMixin | undefined): void {
  mixin = fn;
}

/**
 * pino-http options: one JSON line per request (probe and scrape requests at debug, so they do not drown the rest),
 * human-readable output when stdout is a terminal.
 */
export function buildPinoHttpOptions(serviceName: string, level: LogLevel, format?: LogFormat): Params {
  const pretty = format ? format === 'pretty' : process.stdout.isTTY === true;
  return {
    // nestjs-pino's default route (`{/*splat}`) matches nothing under Nest 12's Fastify adapter, which would log no
    // request at all; `*path` matches every route there.
    forRoutes: [{ path: '*path', method: RequestMethod.ALL }],
    pinoHttp: {
      level,
      base: { service: serviceName },
      mixin: () => (mixin ? mixin() : {}),
      transport: pretty
        ? { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } }
        : undefined,
      customLogLevel: (req: IncomingMessage, res, err) => {
        // A 503 from /health/ready is the probe doing its job (dependency down, shutting down): a warning, not an error.
        if (QUIET_PATHS.test(req.url ?? '')) return res.statusCode >= 500 ? 'warn' : 'debug';
        if (err || res.statusCode >= 500) return 'error';
        return res.statusCode >= 400 ? 'warn' : 'info';
      },
      redact: ['req.headers.authorization', 'req.headers.cookie'],
    },
  };
}
