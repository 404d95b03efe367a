import { BreakerRegistry } from '@app/resilience';
import { type DynamicModule, Module } from '@nestjs/common';

import { DatabasePaymentGatewayBooks } from './payment-gateway.books';
import { PaymentGatewayClient } from './payment-gateway.client';
import {
  PAYMENT_GATEWAY,
  PAYMENT_GATEWAY_BOOKS,
  PAYMENT_GATEWAY_CONFIG,
  PAYMENT_GATEWAY_DEPENDENCY,
  PAYMENT_GATEWAY_POLICY,
} from './payment-gateway.constants';
import type { PaymentGatewayEnvVars } from './payment-gateway.env';
import type { PaymentGatewayConfig } from './payment-gateway.interfaces';
import { SimulatedPaymentGateway } from './simulated-payment.gateway';

/** The gateway's settings from the app's validated environment (`WithPaymentGatewayEnv` in its schema). */
export function paymentGatewayConfigFromEnv(env: PaymentGatewayEnvVars): PaymentGatewayConfig {
  return {
    failureRate: env.PAYMENT_GATEWAY_FAILURE_RATE,
    latencyMs: env.PAYMENT_GATEWAY_LATENCY_MS,
    declineAbove: env.PAYMENT_DECLINE_ABOVE,
  };
}

/**
 * Provides {@link PaymentGatewayClient}: the simulated gateway behind the `payment-gateway` policy. Needs the global
 * `ResilienceModule.forRoot()` (for BreakerRegistry) and the global `PersistenceModule` (the gateway's books live in
 * the service's database; tests without one override `PAYMENT_GATEWAY_BOOKS`).
 */
@Module({})
export class PaymentGatewayModule {
  static forRoot(config: PaymentGatewayConfig): DynamicModule {
    return {
      module: PaymentGatewayModule,
      providers: [
        { provide: PAYMENT_GATEWAY_CONFIG, useValue: config },
        { provide: PAYMENT_GATEWAY_BOOKS, useClass: DatabasePaymentGatewayBooks },
        { provide: PAYMENT_GATEWAY, useClass: SimulatedPaymentGateway },
        {
          provide: PAYMENT_GATEWAY_POLICY,
          inject: [BreakerRegistry],
          useFactory: (breakers: BreakerRegistry) => breakers.get(PAYMENT_GATEWAY_DEPENDENCY) ?? breakers.create(PAYMENT_GATEWAY_DEPENDENCY),
        },
        PaymentGatewayClient,
      ],
      exports: [PaymentGatewayClient],
    };
  }
}
