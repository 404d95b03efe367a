import { sendProblem, serveOpenApi } from '@app/runtime';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

import { BEARER_SCHEME } from '../auth/scopes.decorator';
import { protectHttpEdge } from './http-edge';
import type { HttpEdgeEnvVars } from './http-edge.env';
import { createValidationPipe } from './request-validation.pipe';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * The public HTTP contract: strict validation (whitelisted fields only, unknown fields refused, no type coercion),
 * RFC 9457 problem documents for every error including the ones Fastify raises before Nest (bad JSON, wrong media
 * type, body too large), the edge's protections (security headers, rate limit, CORS; see {@link protectHttpEdge}),
 * and the OpenAPI document at `/docs-json` with Swagger UI at `/docs`, declaring the bearer scheme.
 */
export async function configureHttpApi(app: NestFastifyApplication, env: HttpEdgeEnvVars): Promise<void> {
  await protectHttpEdge(app, env);
  app.useGlobalPipes(createValidationPipe());
  // Bodies must be JSON: Fastify and Nest would otherwise parse text/plain and form bodies, turning a wrong media
  // type into confusing validation errors.
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', async (request, reply) => {
    if (!BODY_METHODS.has(request.method)) return;
    const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'))) return;
    const length = Number(request.headers['content-length'] ?? 0);
    if (!type && length === 0 && !request.headers['transfer-encoding']) return; // no body at all: validation answers
    sendProblem(reply, {
      type: 'about:blank',
      title: 'Unsupported Media Type',
      status: 415,
      detail: `Send the request body as application/json${type ? `, not ${type}` : ''}.`,
      instance: request.url,
    });
    return reply;
  });

  serveOpenApi(app, {
    title: 'Orders API',
    description:
      'Creates and reads orders; each order is decided asynchronously by the inventory and payment services. Every error is an RFC 9457 problem document. ' +
      'Every /orders route needs a bearer token (JWT) whose `sub` is the customer; its `scope` claim grants `orders:write` (place orders as `sub`), ' +
      "`orders:read` (read one's own orders) and `orders:admin` (read and list every order).",
    bearer: {
      name: BEARER_SCHEME,
      description:
        'A JWT from the identity provider: `sub` is the customer, `scope` holds orders:write, orders:read and/or orders:admin (space-separated).',
    },
  });
}
