import { ApiProblems } from '@app/runtime';
import { applyDecorators, createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';

import type { Principal, Scope } from './principal';

/** Metadata key of the scopes a handler requires (any one of them). */
export const SCOPES_KEY = 'orders-api:scopes';

/** Name of the bearer security scheme in the OpenAPI document. */
export const BEARER_SCHEME = 'bearer';

const principals = new WeakMap<object, Principal>();

/** Called by the guard once a request is authorised. */
export function rememberPrincipal(request: object, principal: Principal): void {
  principals.set(request, principal);
}

/**
 * The scopes a route needs, any one of them, and the OpenAPI that says so: the bearer requirement with those
 * scopes, and the 401, 403 and 429 answers. Every route of a guarded controller must carry it: the guard refuses a
 * route without it rather than guess.
 */
export function Scopes(...anyOf: [Scope, ...Scope[]]): MethodDecorator {
  return applyDecorators(
    SetMetadata(SCOPES_KEY, anyOf),
    // One requirement per scope: OpenAPI reads the alternatives of `security` as "any of", the scopes inside one as "all of".
    ...anyOf.map((scope) => ApiSecurity(BEARER_SCHEME, [scope])),
    ApiProblems(
      [401, 'No bearer token, or one that is malformed, forged, expired or for another audience (see `WWW-Authenticate`)'],
      [403, `The token lacks the scope ${anyOf.join(' or ')}, or names another customer`],
      [429, 'Too many requests from this caller; retry after `Retry-After` seconds'],
    ),
  );
}

/** The authorised caller of the request (set by the guard). */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = principals.get(context.switchToHttp().getRequest<object>());
  // Only reachable when a route forgot the guard: failing beats serving as nobody in particular.
  if (!principal) throw new Error('no authenticated principal on this request: is the route guarded?');
  return principal;
});
