import { LIMITS } from '@app/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { errors, type JWTPayload, jwtVerify } from 'jose';

import { AUTH_CONFIG, type AuthConfig } from './auth.config';
import type { Principal } from './principal';
import { VERIFICATION_KEY, type VerificationKey } from './verification-key';

/** Seconds of clock skew tolerated on `exp` and `nbf`: enough for drifting clocks, too little to replay an old token. */
export const CLOCK_TOLERANCE_S = 5;

/** Why a token was refused. `reason` is for the log only: callers get a bare 401. */
export class TokenRejectedError extends Error {
  constructor(
    readonly reason: string,
    /** True when the keys could not be fetched (JWKS down): the token may be fine, so the answer is 503. */
    readonly keysUnavailable = false,
  ) {
    super(reason);
    this.name = 'TokenRejectedError';
  }
}

const KEY_FETCH_FAILURES = new Set(['ERR_JWKS_TIMEOUT']);

function reasonOf(error: unknown): TokenRejectedError {
  if (error instanceof errors.JWTClaimValidationFailed) return new TokenRejectedError(`${error.code} (${error.claim}): ${error.message}`);
  if (error instanceof errors.JOSEError) return new TokenRejectedError(`${error.code}: ${error.message}`, KEY_FETCH_FAILURES.has(error.code));
  // jose raises its own errors for everything about the token; anything else is the JWKS fetch failing.
  return new TokenRejectedError(`verification keys unavailable: ${error instanceof Error ? error.message : String(error)}`, true);
}

function scopesOf(payload: JWTPayload): Set<string> {
  const scope = payload.scope;
  if (typeof scope !== 'string') return new Set();
  return new Set(scope.split(' ').filter(Boolean));
}

/**
 * Verifies bearer tokens with jose: the signature against the configured key (only its algorithm family, so
 * `alg: none`, HS256 with the public key as secret and other algorithms are refused), `iss`, `aud`, `exp` (required)
 * and `nbf` with {@link CLOCK_TOLERANCE_S} of tolerance, and a non-empty `sub`, then maps the claims to a
 * {@link Principal}.
 */
@Injectable()
export class JwtVerifier {
  constructor(
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
    @Inject(VERIFICATION_KEY) private readonly verificationKey: VerificationKey | undefined,
  ) {}

  /** The caller a token stands for; throws {@link TokenRejectedError} when it must not be trusted. */
  async verify(token: string): Promise<Principal> {
    if (this.config.mode !== 'jwt' || !this.verificationKey) throw new TokenRejectedError('authentication is disabled');
    let payload: JWTPayload;
    try {
      const { key, algorithms } = this.verificationKey;
      // Two calls rather than one with a union: jose types a key and a key lookup function as separate overloads.
      const options = {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms,
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ['exp', 'sub'],
      };
      ({ payload } = typeof key === 'function' ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options));
    } catch (error) {
      throw reasonOf(error);
    }
    if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > LIMITS.maxIdLength) {
      throw new TokenRejectedError(`sub must be a customer id of 1 to ${LIMITS.maxIdLength} characters`);
    }
    return { subject: payload.sub, scopes: scopesOf(payload), unrestricted: false };
  }
}
