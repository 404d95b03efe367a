import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  Logger,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { RequestAuthenticator } from './request-authenticator';
import { rememberPrincipal, SCOPES_KEY } from './scopes.decorator';

const REALM = 'orders';

/**
 * Bearer authentication and scope checks for the routes of a controller (`@UseGuards(AuthGuard)`), each route
 * declaring its scopes with `@Scopes(...)`. A refused token answers 401 with `WWW-Authenticate: Bearer` and a bare
 * problem document; why it was refused goes to the log only, so a caller learns nothing that helps forge one.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: RequestAuthenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true; // message handlers are not callers at the edge
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const where = `${request.method} ${request.url.split('?')[0]}`;
    const required = this.reflector.getAllAndOverride<string[] | undefined>(SCOPES_KEY, [context.getHandler(), context.getClass()]);
    if (!required?.length) {
      // Fail closed: a route added without @Scopes is refused for everyone until someone decides who may call it.
      this.logger.error(`${where}: the route declares no @Scopes(); refusing every caller`);
      throw new ForbiddenException('This route is not open to any caller.');
    }

    const outcome = await this.authenticator.authenticate(request);
    if (!outcome.ok) {
      if (outcome.keysUnavailable) {
        this.logger.warn(`${where}: cannot verify tokens: ${outcome.reason}`);
        throw new ServiceUnavailableException('Tokens cannot be verified right now; retry later.');
      }
      this.logger.warn(`401 ${where} from ${request.ip}: ${outcome.reason}`);
      void reply.header('www-authenticate', outcome.tokenSent ? `Bearer realm="${REALM}", error="invalid_token"` : `Bearer realm="${REALM}"`);
      throw new UnauthorizedException('A valid bearer token is required.');
    }

    const { principal } = outcome;
    if (!principal.unrestricted && !required.some((scope) => principal.scopes.has(scope))) {
      this.logger.warn(`403 ${where} for ${principal.subject}: needs ${required.join(' or ')}, has "${[...principal.scopes].join(' ')}"`);
      void reply.header('www-authenticate', `Bearer realm="${REALM}", error="insufficient_scope", scope="${required.join(' ')}"`);
      throw new ForbiddenException(`This needs a token with the scope ${required.join(' or ')}.`);
    }
    rememberPrincipal(request, principal);
    return true;
  }
}
