import type { ExecutionContext } from '@nestjs/common';
import { context } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';

/** The route fields Fastify (5: `routeOptions.url`, 4: `routerPath`) and Express (`route.path`) put on a request. */
interface RoutedRequest {
  routeOptions?: { url?: string };
  routerPath?: string;
  route?: { path?: string };
}

/**
 * Tells the HTTP instrumentation which route served the request, so the server span is named `POST /orders` with
 * `http.route` instead of just `POST`. auto-instrumentations-node dropped its Fastify instrumentation (moved to
 * `@fastify/otel`), so nothing else reports the route. Called by `MessagingTracingInterceptor` for HTTP contexts,
 * so one global interceptor serves both transports.
 */
export function recordHttpRoute(executionContext: ExecutionContext): void {
  const metadata = getRPCMetadata(context.active());
  if (metadata?.type !== RPCType.HTTP) return;
  const request = executionContext.switchToHttp().getRequest<RoutedRequest>();
  const route = request.routeOptions?.url ?? request.routerPath ?? request.route?.path;
  if (route) metadata.route = route;
}
