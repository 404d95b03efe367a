import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import { AUTH_CONFIG, type AuthConfig } from './auth.config';
import { JwtVerifier, TokenRejectedError } from './jwt-verifier';
import { type Principal, UNRESTRICTED } from './principal';

/** The outcome of authenticating one request. */
export type Authentication = { ok: true; principal: Principal } | { ok: false; tokenSent: boolean; reason: string; keysUnavailable: boolean };

// RFC 6750 b64token, after the case-insensitive scheme name.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Authenticates a request from its `Authorization: Bearer` header, once: the rate limiter (which keys callers by
 * their verified subject, in an early Fastify hook) and the guard both ask, and the second question costs nothing.
 */
@Injectable()
export class RequestAuthenticator {
  private readonly outcomes = new WeakMap<object, Promise<Authentication>>();

  constructor(
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
    private readonly verifier: JwtVerifier,
  ) {}

  /** Whether authentication is on (false only with AUTH_DISABLED=true). */
  get enabled(): boolean {
    return this.config.mode === 'jwt';
  }

  authenticate(request: FastifyRequest): Promise<Authentication> {
    let outcome = this.outcomes.get(request);
    if (!outcome) {
      outcome = this.run(request);
      this.outcomes.set(request, outcome);
    }
    return outcome;
  }

  private async run(request: FastifyRequest): Promise<Authentication> {
    if (this.config.mode === 'disabled') return { ok: true, principal: UNRESTRICTED };
    const header = request.headers.authorization;
    if (!header) return { ok: false, tokenSent: false, reason: 'no Authorization header', keysUnavailable: false };
    const token = BEARER.exec(header)?.[1];
    if (!token) return { ok: false, tokenSent: true, reason: 'Authorization header is not "Bearer <token>"', keysUnavailable: false };
    try {
      return { ok: true, principal: await this.verifier.verify(token) };
    } catch (error) {
      if (!(error instanceof TokenRejectedError)) throw error;
      return { ok: false, tokenSent: true, reason: error.reason, keysUnavailable: error.keysUnavailable };
    }
  }
}
