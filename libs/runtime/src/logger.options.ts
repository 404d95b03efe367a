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

/** What a request log line says about the request and response: enough to find it, without its headers. */
const BRIEF_SERIALIZERS = {
  req: (req: { id?: unknown; method?: string; url?: string }) => ({ id: req.id, method: req.method, url: req.url }),
  res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
};

/**
 * pino-http options: one JSON line per request (probe and scrape requests at debug, so they do not drown the rest),
 * human-readable output when stdout is a terminal. Headers appear only at LOG_LEVEL debug or trace (authorization
 * and cookies redacted); a failed request's error, stack included, is on its line (see ProblemDetailsFilter).
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
        // A 503 from /health/ready is the probe doing its job (dependency down, shutting down), and readiness logs
        // each change of state once: the probe's own lines stay at debug.
        if (QUIET_PATHS.test(req.url ?? '')) return res.statusCode >= 500 && res.statusCode !== 503 ? 'warn' : 'debug';
        // A 503 elsewhere means a dependency is down (the filter logs which): a warning, not an error per request.
        if (res.statusCode === 503 && !err) return 'warn';
        if (err || res.statusCode >= 500) return 'error';
        return res.statusCode >= 400 ? 'warn' : 'info';
      },
      // For a 5xx without an exception pino-http invents "failed with status code 503" and logs its stack, which
      // points into pino-http itself: keep the line, drop the made-up error. A real one (res.err) stays.
      customErrorObject: (_req, res, error, value: Record<string, unknown>) =>
        (res as { err?: unknown }).err === undefined && error.message === `failed with status code ${res.statusCode}`
          ? { ...value, err: undefined }
          : value,
      // pino-http applies these on top of pino's standard request and response serializers.
      serializers: level === 'debug' || level === 'trace' ? undefined : BRIEF_SERIALIZERS,
      redact: ['req.headers.authorization', 'req.headers.cookie'],
    },
  };
}
