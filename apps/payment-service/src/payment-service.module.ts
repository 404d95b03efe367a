import { RuntimeModule } from '@app/runtime';
import { EventPlatformModule } from '@app/runtime/platform';
import { Module } from '@nestjs/common';

import { PaymentServiceEnv } from './config/payment.env';
import { PAYMENT_MIGRATIONS } from './db/payment.migrations';
import { PaymentGatewayModule } from './gateway';
import { PaymentEventsController } from './payments/payment-events.controller';
import { PaymentsRepository } from './payments/payments.repository';
import { PAYMENT_SERVICE, PaymentsService } from './payments/payments.service';

/** Charges reserved orders through the payment gateway (behind a circuit breaker) and reports the outcome. */
@Module({
  imports: [
    RuntimeModule.forRoot({ serviceName: PAYMENT_SERVICE, env: PaymentServiceEnv }),
    EventPlatformModule.forRoot({ serviceName: PAYMENT_SERVICE, schema: 'payments', migrations: PAYMENT_MIGRATIONS, ownedStreams: ['PAYMENTS'] }),
    PaymentGatewayModule,
  ],
  controllers: [PaymentEventsController],
  providers: [PaymentsService, PaymentsRepository],
})
export class PaymentServiceModule {}
