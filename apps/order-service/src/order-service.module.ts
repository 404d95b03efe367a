import { HealthModule } from '@app/health';
import { RuntimeModule } from '@app/runtime';
import { Module } from '@nestjs/common';

import { OrderServiceEnv } from './config/order.env';

/** The public API: creates and reads orders, and drives the saga's outcome. */
@Module({
  imports: [RuntimeModule.forRoot({ serviceName: 'order-service', env: OrderServiceEnv }), HealthModule],
})
export class OrderServiceModule {}
