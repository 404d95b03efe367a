import { RuntimeModule } from '@app/runtime';
import { EventPlatformModule } from '@app/runtime/platform';
import { Module } from '@nestjs/common';

import { AuthModule } from './auth/auth.module';
import { OrderServiceEnv } from './config/order.env';
import { ORDER_MIGRATIONS } from './db/order.migrations';
import { OrderEventsController } from './orders/order-events.controller';
import { OrdersController } from './orders/orders.controller';
import { OrdersRepository } from './orders/orders.repository';
import { ORDER_SERVICE, OrdersService } from './orders/orders.service';

/** The public API (bearer-authenticated, see AuthModule): creates and reads orders, and applies the saga's outcome to them. */
@Module({
  imports: [
    RuntimeModule.forRoot({ serviceName: ORDER_SERVICE, env: OrderServiceEnv }),
    EventPlatformModule.forRoot({ serviceName: ORDER_SERVICE, schema: 'orders', migrations: ORDER_MIGRATIONS, ownedStreams: ['ORDERS'] }),
    AuthModule,
  ],
  controllers: [OrdersController, OrderEventsController],
  providers: [OrdersService, OrdersRepository],
})
export class OrderServiceModule {}
