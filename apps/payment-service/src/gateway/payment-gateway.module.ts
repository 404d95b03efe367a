import { validateEnv } from '@app/runtime';
import { BreakerRegistry } from '@app/resilience';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { PaymentGatewayClient } from './payment-gateway.client';
import { DatabasePaymentGatewayBooks } from './payment-gateway.books';
import {
  PAYMENT_GATEWAY,
  PAYMENT_GATEWAY_BOOKS,
  PAYMENT_GATEWAY_CONFIG,
  PAYMENT_GATEWAY_DEPENDENCY,
  PAYMENT_GATEWAY_POLICY,
} from './payment-gateway.constants';
import { PAYMENT_GATEWAY_ENV_KEYS, PaymentGatewayEnv } from './payment-gateway.env';
import type { PaymentGatewayConfig } from './payment-gateway.interfaces';
import { SimulatedPaymentGateway } from './simulated-payment.gateway';

/**
 * Reads and validates the gateway's variables. Works whether or not the app's env schema includes
 * `WithPaymentGatewayEnv` (then the values are already numbers); a bad value fails the boot with its name.
 */
export function paymentGatewayConfigFromEnv(read: (key: string) => unknown): PaymentGatewayConfig {
  const raw = Object.fromEntries(PAYMENT_GATEWAY_ENV_KEYS.map((key) => [key, read(key)]));
  const env = validateEnv(PaymentGatewayEnv, raw);
  return {
    failureRate: env.PAYMENT_GATEWAY_FAILURE_RATE,
    latencyMs: env.PAYMENT_GATEWAY_LATENCY_MS,
    declineAbove: env.PAYMENT_DECLINE_ABOVE,
  };
}

/**
 * Provides {@link PaymentGatewayClient}: the simulated gateway behind the `payment-gateway` policy. Needs the global
 * `ResilienceModule.forRoot()` (for BreakerRegistry), `ConfigService`, and the global `PersistenceModule` (the
 * gateway's books live in the service's database; tests without one override `PAYMENT_GATEWAY_BOOKS`).
 */
@Module({
  providers: [
    {
      provide: PAYMENT_GATEWAY_CONFIG,
      inject: [{ token: ConfigService, optional: true }],
      useFactory: (config?: ConfigService): PaymentGatewayConfig =>
        paymentGatewayConfigFromEnv((key) => (config ? config.get<unknown>(key) : process.env[key])),
    },
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
})
export class PaymentGatewayModule {}
