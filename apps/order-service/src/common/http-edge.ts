import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';

import { RequestAuthenticator } from '../auth/request-authenticator';
import type { HttpEdgeEnvVars } from './http-edge.env';

/** Paths under the API proper; probes, metrics and the OpenAPI document stay outside every limit. */
function isApiRequest(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0];
  return path === '/orders' || path.startsWith('/orders/');
}

/**
 * What protects the API at the edge, before any handler runs:
 * - security headers (`@fastify/helmet`); its CSP suits Swagger UI (scripts from self, inline styles) and drops
 *   `upgrade-insecure-requests`, which would break `/docs` served over plain HTTP inside a cluster;
 * - a request budget per caller (`@fastify/rate-limit`): keyed by the verified token subject, so one customer's
 *   burst never throttles another behind the same proxy, else by client address (forged or missing tokens count
 *   against the address they come from). 429 carries `Retry-After`; the answer is a problem document like every
 *   error. The budget is per process: N replicas allow N times as much;
 * - CORS only for the origins in `HTTP_CORS_ORIGINS`; without it browsers on other origins get no CORS headers.
 */
export async function protectHttpEdge(app: NestFastifyApplication, env: HttpEdgeEnvVars): Promise<void> {
  const authenticator = app.get(RequestAuthenticator);
  await app.register(helmet, { contentSecurityPolicy: { directives: { 'upgrade-insecure-requests': null } } });
  await app.register(rateLimit, {
    global: true,
    max: env.HTTP_RATE_LIMIT_MAX,
    timeWindow: env.HTTP_RATE_LIMIT_WINDOW_MS,
    allowList: (request) => !isApiRequest(request),
    keyGenerator: async (request) => {
      if (!isApiRequest(request)) return 'open';
      const outcome = await authenticator.authenticate(request);
      return outcome.ok && outcome.principal.subject ? `sub:${outcome.principal.subject}` : `ip:${request.ip}`;
    },
    // Thrown as an error with a status, so the app's problem-details filter answers it like every other error.
    errorResponseBuilder: (_request, context) =>
      Object.assign(
        new Error(`Too many requests: at most ${context.max} per ${Math.round(env.HTTP_RATE_LIMIT_WINDOW_MS / 1000)} s; retry in ${context.after}.`),
        {
          statusCode: context.statusCode,
        },
      ),
  });
  if (env.HTTP_CORS_ORIGINS) {
    app.enableCors({
      origin: env.HTTP_CORS_ORIGINS.split(',').map((origin) => origin.trim()),
      methods: ['GET', 'POST'],
      allowedHeaders: ['authorization', 'content-type', 'idempotency-key'],
      exposedHeaders: ['location', 'idempotent-replayed', 'retry-after', 'www-authenticate'],
      maxAge: 600,
    });
  }
}
