import { type DynamicModule, Inject, Logger, Module, type OnModuleInit } from '@nestjs/common';

import { AUTH_CONFIG, type AuthConfig, authConfigFromEnv } from './auth.config';
import type { AuthEnvVars } from './auth.env';
import { AuthGuard } from './auth.guard';
import { JwtVerifier } from './jwt-verifier';
import { RequestAuthenticator } from './request-authenticator';
import { loadVerificationKey, VERIFICATION_KEY, type VerificationKey } from './verification-key';

/**
 * Bearer authentication of the orders API: the resolved configuration, the verification key (loaded at boot, so an
 * unreadable key file stops the process), the verifier, the per-request authenticator and the guard.
 */
@Module({})
export class AuthModule implements OnModuleInit {
  /** Authentication as the validated `AUTH_*` variables configure it. */
  static forRoot(env: AuthEnvVars): DynamicModule {
    return {
      module: AuthModule,
      providers: [
        { provide: AUTH_CONFIG, useFactory: () => authConfigFromEnv(env) },
        { provide: VERIFICATION_KEY, inject: [AUTH_CONFIG], useFactory: (config: AuthConfig) => loadVerificationKey(config) },
        JwtVerifier,
        RequestAuthenticator,
        AuthGuard,
      ],
      exports: [AUTH_CONFIG, RequestAuthenticator, AuthGuard],
    };
  }

  private readonly logger = new Logger('Auth');

  constructor(
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
    @Inject(VERIFICATION_KEY) private readonly key: VerificationKey | undefined,
  ) {}

  onModuleInit(): void {
    if (this.config.mode === 'disabled') {
      this.logger.warn('AUTH_DISABLED=true: the orders API accepts every request without a token, as any customer. Never in production.');
    } else {
      this.logger.log(`bearer tokens required: ${this.key?.description}, issuer ${this.config.issuer}, audience ${this.config.audience}`);
    }
  }
}
