import { JetStreamExceptionFilter } from '@app/messaging';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger, NotFoundException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Observable, throwError } from 'rxjs';

/** RFC 9457 problem details, with `errors` listing failing fields of a 400. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: { field: string; message: string }[];
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Fastify's own errors (raised before Nest sees the request) mapped to the status a client should get. */
const FASTIFY_CODES: Record<string, number> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 415,
  FST_ERR_CTP_BODY_TOO_LARGE: 413,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 400,
  FST_ERR_CTP_EMPTY_JSON_BODY: 400,
  FST_ERR_CTP_INVALID_JSON_BODY: 400,
  FST_ERR_CTP_INVALID_TYPE: 400,
};

// 08xxx connection exceptions, 57P0x shutdown/unavailable, 53300 too many connections, 55000 "database is not
// currently accepting connections" (ALLOW_CONNECTIONS false, maintenance).
const DATABASE_OUTAGE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);

/** Connection-level database failures (server down, restarting, connection lost): the client should retry. */
export function isDatabaseOutage(error: unknown): boolean {
  for (
    let current = error as { code?: unknown; cause?: unknown; name?: unknown; message?: unknown } | undefined, depth = 0;
    current && depth < 4;
    depth++
  ) {
    if (typeof current.code === 'string' && DATABASE_OUTAGE_CODES.has(current.code)) return true;
    if (current.name === 'DatabaseUnavailableError') return true;
    if (
      typeof current.message === 'string' &&
      /Connection terminated|connection is closed|timeout exceeded when trying to connect|not currently accepting connections|too many clients/i.test(
        current.message,
      )
    )
      return true;
    current = current.cause as typeof current;
  }
  return false;
}

/** Builds a problem document from anything thrown while serving a request. Unknown errors never leak details. */
export function toProblem(error: unknown, instance?: string): ProblemDetails {
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const detail =
      typeof response === 'string'
        ? response
        : typeof (response as { message?: unknown }).message === 'string'
          ? (response as { message: string }).message
          : error.message;
    const problemType = (response as { type?: unknown }).type;
    // A validation error carries its failing fields (see the order API's RequestValidationError).
    const fields = (error as { fields?: unknown }).fields;
    return {
      type: typeof problemType === 'string' ? problemType : 'about:blank',
      title: TITLES[status] ?? HttpStatus[status] ?? 'Error',
      status,
      detail: Array.isArray(fields) ? error.message : detail,
      instance,
      ...(Array.isArray(fields) ? { errors: fields as ProblemDetails['errors'] } : {}),
    };
  }
  if (isDatabaseOutage(error)) {
    return { type: 'about:blank', title: TITLES[503], status: 503, detail: 'The database is unavailable; retry later.', instance };
  }
  const candidate = error as { code?: unknown; statusCode?: unknown; message?: unknown };
  const fastifyStatus = typeof candidate.code === 'string' ? FASTIFY_CODES[candidate.code] : undefined;
  const status =
    fastifyStatus ??
    (typeof candidate.statusCode === 'number' && candidate.statusCode >= 400 && candidate.statusCode < 500 ? candidate.statusCode : 500);
  if (status < 500) {
    // Client mistakes caught by Fastify (bad JSON, __proto__ keys, wrong media type, body too large).
    const detail = typeof candidate.message === 'string' ? candidate.message.replace(/^FST_\w+: /, '') : undefined;
    return { type: 'about:blank', title: TITLES[status] ?? 'Bad Request', status, detail, instance };
  }
  return { type: 'about:blank', title: TITLES[500], status: 500, detail: 'An unexpected error occurred.', instance };
}

/** Sends `application/problem+json` for every error, whichever layer raised it. */
export function sendProblem(reply: FastifyReply, problem: ProblemDetails): void {
  void reply.status(problem.status).header('content-type', 'application/problem+json; charset=utf-8').send(problem);
}

/**
 * Fastify answers a few URL errors in its router, before any Nest filter: a path segment longer than
 * `maxParamLength` (an error since fastify 5.12, a 404 before) and a malformed URL. Give them problem details too,
 * without echoing the URL (it can be kilobytes long). Passed to the adapter as `frameworkErrors`.
 */
export function answerFrameworkError(error: { code?: string }, _request: FastifyRequest, reply: FastifyReply): void {
  const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
  sendProblem(reply, {
    type: 'about:blank',
    title: tooLong ? 'URI Too Long' : 'Bad Request',
    status: tooLong ? 414 : 400,
    detail: tooLong ? 'A segment of the request path is longer than this API accepts.' : 'The request URL is malformed.',
  });
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * Methods some route serves for this request's path (empty when the path itself is unknown). HEAD counts only
 * beside GET (Fastify answers HEAD for every GET route).
 */
function allowedMethods(request: FastifyRequest): string[] {
  const url = request.url.split('?')[0];
  const server = request.server as unknown as { findRoute?(options: { method: string; url: string }): unknown };
  if (typeof server?.findRoute !== 'function') return [];
  const served = METHODS.filter(
    (method) => method !== 'HEAD' && server.findRoute!({ method, url }) !== null && server.findRoute!({ method, url }) !== undefined,
  );
  // The router says this very method is served here, yet the request found no route (`/orders/` matches GET
  // /orders/:id in findRoute only): nothing is here, a 404.
  if (served.includes(request.method as (typeof METHODS)[number])) return [];
  if (served.includes('GET')) served.splice(served.indexOf('GET') + 1, 0, 'HEAD');
  return served;
}

/**
 * Every error of every app as an RFC 9457 problem document: Nest's exceptions, Fastify's own (bad JSON, media type,
 * body size), unknown routes (404) and known routes with another method (405 with `Allow`). A 500 is logged once:
 * its error and stack go on the request's own log line; a 503 (a dependency is down) is a warning without a stack,
 * so an outage does not flood the logs.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');
  private readonly messages = new JetStreamExceptionFilter();

  catch(exception: unknown, host: ArgumentsHost): void | Observable<never> {
    // Message handlers inherit the app's filters, and this one is chosen before MessagingModule's: let that filter
    // answer them (original error handed back to the transport, logged in the message's trace).
    if (host.getType() === 'rpc') return this.messages.catch(exception, host);
    if (host.getType() !== 'http') return throwError(() => exception);
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    let problem = toProblem(exception, request.url);
    // Nest answers an unmatched route with NotFoundException("Cannot DELETE /orders/x"); a path that exists with
    // other methods is a 405.
    if (exception instanceof NotFoundException && /^Cannot [A-Z]+ /.test(exception.message)) {
      const allowed = allowedMethods(request);
      if (allowed.length > 0) {
        void reply.header('allow', allowed.join(', '));
        problem = {
          type: 'about:blank',
          title: TITLES[405],
          status: 405,
          detail: `${request.method} is not allowed here; use ${allowed.join(', ')}.`,
          instance: request.url,
        };
      } else {
        problem = { ...problem, detail: `There is nothing at ${request.method} ${request.url.split('?')[0]}.` };
      }
    }
    if (problem.status === 503) {
      this.logger.warn(`${request.method} ${request.url}: 503 ${exception instanceof Error ? exception.message : String(exception)}`);
      void reply.header('retry-after', '5');
    } else if (problem.status >= 500) {
      // pino-http logs the request at error with `res.err` as its `err`: one entry with the request and the stack,
      // instead of this filter's line plus a "failed with status code 500" request line.
      (reply.raw as { err?: unknown }).err = exception instanceof Error ? exception : new Error(String(exception));
    }
    sendProblem(reply, problem);
  }
}
