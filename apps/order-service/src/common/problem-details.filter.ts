import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Observable, throwError } from 'rxjs';

import { RequestValidationError } from './request-validation.error';

/** RFC 9457 problem details. */
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

/** Builds a problem document from anything thrown while serving a request. Unknown errors never leak details. */
export function toProblem(error: unknown, instance?: string): ProblemDetails {
  if (error instanceof RequestValidationError) {
    return { type: 'about:blank', title: TITLES[400], status: 400, detail: error.message, instance, errors: error.fields };
  }
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
    return {
      type: typeof problemType === 'string' ? problemType : 'about:blank',
      title: TITLES[status] ?? HttpStatus[status] ?? 'Error',
      status,
      detail,
      instance,
    };
  }
  if (isDatabaseOutage(error)) {
    return { type: 'about:blank', title: TITLES[503], status: 503, detail: 'The order store is unavailable; retry later.', instance };
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

/** Connection-level database failures (server down, restarting, connection lost): the client should retry. */
// 08xxx connection exceptions, 57P0x shutdown/unavailable, 53300 too many connections, 55000 "database is not
// currently accepting connections" (ALLOW_CONNECTIONS false, maintenance).
const DATABASE_OUTAGE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006']);

function isDatabaseOutage(error: unknown): boolean {
  for (let current = error as { code?: unknown; cause?: unknown; name?: unknown; message?: unknown } | undefined, depth = 0; current && depth < 4; depth++) {
    if (typeof current.code === 'string' && DATABASE_OUTAGE_CODES.has(current.code)) return true;
    if (current.name === 'DatabaseUnavailableError') return true;
    if (typeof current.message === 'string' && /Connection terminated|connection is closed|timeout exceeded when trying to connect|not currently accepting connections|too many clients/i.test(current.message)) return true;
    current = current.cause as typeof current;
  }
  return false;
}

/** Sends `application/problem+json` for every error, whichever layer raised it. */
export function sendProblem(reply: FastifyReply, problem: ProblemDetails): void {
  void reply.status(problem.status).header('content-type', 'application/problem+json; charset=utf-8').send(problem);
}

@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void | Observable<never> {
    // Message handlers inherit the app's filters: hand their errors back untouched so the transport settles the
    // message by the original error (nak, retry, dead-letter).
    if (host.getType() !== 'http') return throwError(() => exception);
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const problem = toProblem(exception, request.url);
    if (problem.status >= 500) {
      this.logger.error(exception instanceof Error ? exception.stack ?? exception.message : String(exception));
    }
    const reply = http.getResponse<FastifyReply>();
    if (problem.status === 503) void reply.header('retry-after', '5');
    sendProblem(reply, problem);
  }
}
