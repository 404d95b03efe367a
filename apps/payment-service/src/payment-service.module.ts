import { EventPlatformModule, RuntimeModule } from '@app/runtime';
import { type DynamicModule, Module } from '@nestjs/common';

import type { PaymentServiceEnv } from './config/payment.env';
import { PAYMENT_MIGRATIONS } from './db/payment.migrations';
import { paymentGatewayConfigFromEnv, PaymentGatewayModule } from './gateway';
import { PaymentEventsController } from './payments/payment-events.controller';
import { PaymentsRepository } from './payments/payments.repository';
import { PAYMENT_SERVICE, PaymentsService } from './payments/payments.service';

/** Charges reserved orders through the payment gateway (behind a circuit breaker) and reports the outcome. */
@Module({})
export class PaymentServiceModule {
  /** The app over its environment, validated once by `runService`. */
  static forRoot(env: PaymentServiceEnv): DynamicModule {
    return {
      module: PaymentServiceModule,
      imports: [
        RuntimeModule.forRoot({ serviceName: PAYMENT_SERVICE, env }),
        EventPlatformModule.forRoot({
          serviceName: PAYMENT_SERVICE,
          env,
          schema: 'payments',
          migrations: PAYMENT_MIGRATIONS,
          ownedStreams: ['PAYMENTS'],
        }),
        PaymentGatewayModule.forRoot(paymentGatewayConfigFromEnv(env)),
      ],
      controllers: [PaymentEventsController],
      providers: [PaymentsService, PaymentsRepository],
    };
  }
}
