import 'reflect-metadata';

import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, IsUrl, MinLength, registerDecorator, ValidateIf } from 'class-validator';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Constructor<T = object> = new (...args: any[]) => T;

/** Signature algorithms the API accepts: one asymmetric family each, never `none` or a shared secret (HS*). */
export const JWT_ALGORITHMS = ['ES256', 'RS256'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/** The variables that turn bearer authentication on; naming them in errors tells an operator what to set. */
export const AUTH_KEY_VARIABLES = ['AUTH_JWT_PUBLIC_KEY_FILE', 'AUTH_JWKS_URL'] as const;

/** The authentication variables as a plain shape (what {@link authConfigFromEnv} reads). */
export interface AuthEnvVars {
  AUTH_JWT_PUBLIC_KEY_FILE?: string;
  AUTH_JWKS_URL?: string;
  AUTH_JWT_ISSUER?: string;
  AUTH_JWT_AUDIENCE?: string;
  AUTH_JWT_ALGORITHM?: JwtAlgorithm;
  AUTH_DISABLED: boolean;
  NODE_ENV?: string;
}

const isSet = (value: unknown) => value !== undefined && value !== '';

const keySourceSet = (env: object) => AUTH_KEY_VARIABLES.some((name) => isSet((env as Record<string, unknown>)[name]));
const NEEDED_WITH_KEY = `must be set when ${AUTH_KEY_VARIABLES.join(' or ')} is: tokens are checked against it`;

/** Exactly one key source: a PEM file or a JWKS URL, not both (which one would win is a guess). */
function OnlyOneKeySource(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'onlyOneKeySource',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: 'cannot be combined with AUTH_JWKS_URL: set one source of verification keys' },
      validator: {
        validate: (value: unknown, args) => !isSet(value) || !isSet((args!.object as Record<string, unknown>).AUTH_JWKS_URL),
      },
    });
}

/** `AUTH_DISABLED=true` is for local development and tests: production refuses it rather than serving unprotected. */
function NotInProduction(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'notInProduction',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: 'cannot be true when NODE_ENV=production: configure AUTH_JWT_PUBLIC_KEY_FILE or AUTH_JWKS_URL instead' },
      validator: {
        validate: (value: unknown, args) => value !== true || (args!.object as Record<string, unknown>).NODE_ENV !== 'production',
      },
    });
}

const BOOLEAN = { true: true, false: false } as Record<string, boolean>;

/**
 * Adds the bearer-authentication variables to an app's env schema (`WithAuthEnv(CommonEnv)`). The shape of each
 * value is checked here; whether any key is configured at all is checked at boot by {@link authConfigFromEnv}, so
 * that a deployment file which sets only image-level variables still validates.
 */
export function WithAuthEnv<TBase extends Constructor>(Base: TBase) {
  class AuthEnvMixin extends Base implements AuthEnvVars {
    /** PEM file (SPKI public key, EC P-256 or RSA) that signs the tokens. */
    @IsOptional()
    @IsString()
    @OnlyOneKeySource()
    AUTH_JWT_PUBLIC_KEY_FILE?: string;

    /** JWKS endpoint of the identity provider; keys are cached and re-fetched when an unknown `kid` appears. */
    @IsOptional()
    @IsUrl({ protocols: ['https', 'http'], require_protocol: true, require_tld: false }, { message: 'must be an http(s):// URL' })
    AUTH_JWKS_URL?: string;

    /** Expected `iss` claim. */
    // Validated whenever a key source is set, so a missing value is reported (IsOptional would skip it).
    @ValidateIf((env: object) => isSet((env as AuthEnvVars).AUTH_JWT_ISSUER) || keySourceSet(env))
    @IsString({ message: NEEDED_WITH_KEY })
    @MinLength(1, { message: NEEDED_WITH_KEY })
    AUTH_JWT_ISSUER?: string;

    /** Expected `aud` claim (the token must name this API). */
    // Validated whenever a key source is set, so a missing value is reported (IsOptional would skip it).
    @ValidateIf((env: object) => isSet((env as AuthEnvVars).AUTH_JWT_AUDIENCE) || keySourceSet(env))
    @IsString({ message: NEEDED_WITH_KEY })
    @MinLength(1, { message: NEEDED_WITH_KEY })
    AUTH_JWT_AUDIENCE?: string;

    /** Restricts the accepted algorithm; unset: derived from the PEM key, or ES256 and RS256 with a JWKS. */
    @IsOptional()
    @IsIn(JWT_ALGORITHMS, { message: `must be one of ${JWT_ALGORITHMS.join(', ')}` })
    AUTH_JWT_ALGORITHM?: JwtAlgorithm;

    /** Serves the API without authentication (local development, tests). Refused with NODE_ENV=production. */
    @Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' && value.toLowerCase() in BOOLEAN ? BOOLEAN[value.toLowerCase()] : value,
    )
    @IsIn([true, false], { message: 'must be true or false' })
    @NotInProduction()
    AUTH_DISABLED: boolean = false;

    /** Node's convention; only `production` changes anything here (AUTH_DISABLED is refused). */
    @IsOptional()
    @IsString()
    NODE_ENV?: string;
  }
  return AuthEnvMixin;
}
