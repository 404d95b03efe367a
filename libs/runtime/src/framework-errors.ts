import type { FastifyReply, FastifyRequest } from 'fastify';

const TITLES: Record<number, string> = { 400: 'Bad Request', 414: 'URI Too Long', 500: 'Internal Server Error' };

/**
 * Fastify answers a few malformed requests itself, before any route or Nest filter runs (a path parameter over 100
 * characters: 414; a URL whose percent-encoding is broken: 400), with a body of its own format. This handler
 * (`frameworkErrors`) answers them as RFC 9457 problem documents instead, like every other error of the services.
 */
export function frameworkErrorAsProblem(error: Error & { statusCode?: number }, request: FastifyRequest, reply: FastifyReply): void {
  const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 400;
  void reply
    .status(status)
    .header('content-type', 'application/problem+json; charset=utf-8')
    .send({ type: 'about:blank', title: TITLES[status] ?? 'Bad Request', status, detail: status >= 500 ? 'An unexpected error occurred.' : error.message, instance: request.url });
}
