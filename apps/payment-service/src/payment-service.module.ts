import { HealthModule } from '@app/health';
import { RuntimeModule } from '@app/runtime';
import { Module } from '@nestjs/common';

import { PaymentServiceEnv } from './config/payment.env';

/** Charges orders through the payment gateway. */
@Module({
  imports: [RuntimeModule.forRoot({ serviceName: 'payment-service', env: PaymentServiceEnv }), HealthModule],
})
export class PaymentServiceModule {}
