import { AUTH_KEY_VARIABLES, type AuthEnvVars, type JwtAlgorithm } from './auth.env';

/** Injection token of the resolved {@link AuthConfig}. */
export const AUTH_CONFIG = Symbol('AUTH_CONFIG');

/** Where verification keys come from. */
export type KeySource = { kind: 'pem'; file: string } | { kind: 'jwks'; url: string };

/** How the API authenticates callers, resolved once at boot from the environment. */
export type AuthConfig = { mode: 'disabled' } | { mode: 'jwt'; source: KeySource; issuer: string; audience: string; algorithm?: JwtAlgorithm };

/** Raised at boot when the API would otherwise serve unprotected. Its message is the one line the operator sees. */
export class AuthNotConfiguredError extends Error {
  constructor() {
    super(
      `no authentication configured: set ${AUTH_KEY_VARIABLES.join(' or ')} with AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE, ` +
        'or AUTH_DISABLED=true for local development only',
    );
    this.name = 'AuthNotConfiguredError';
  }
}

/**
 * Turns validated variables into the API's authentication mode. Refuses (throws {@link AuthNotConfiguredError})
 * when neither a key source nor `AUTH_DISABLED=true` is set: forgetting the configuration must not open the API.
 * `AUTH_DISABLED=true` together with a key is refused too, since which one wins would be a guess.
 */
export function authConfigFromEnv(env: AuthEnvVars): AuthConfig {
  const file = env.AUTH_JWT_PUBLIC_KEY_FILE || undefined;
  const url = env.AUTH_JWKS_URL || undefined;
  if (env.AUTH_DISABLED) {
    if (file || url)
      throw new Error(`AUTH_DISABLED=true cannot be combined with ${file ? 'AUTH_JWT_PUBLIC_KEY_FILE' : 'AUTH_JWKS_URL'}: unset one of them`);
    return { mode: 'disabled' };
  }
  if (!file && !url) throw new AuthNotConfiguredError();
  // The env schema already requires issuer and audience whenever a key source is set.
  return {
    mode: 'jwt',
    source: file ? { kind: 'pem', file } : { kind: 'jwks', url: url! },
    issuer: env.AUTH_JWT_ISSUER!,
    audience: env.AUTH_JWT_AUDIENCE!,
    algorithm: env.AUTH_JWT_ALGORITHM,
  };
}
