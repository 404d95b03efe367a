import { EventPlatformModule, RuntimeModule } from '@app/runtime';
import { type DynamicModule, Module } from '@nestjs/common';

import { AuthModule } from './auth/auth.module';
import type { OrderServiceEnv } from './config/order.env';
import { ORDER_MIGRATIONS } from './db/order.migrations';
import { OrderEventsController } from './orders/order-events.controller';
import { OrdersController } from './orders/orders.controller';
import { OrdersRepository } from './orders/orders.repository';
import { ORDER_SERVICE, OrdersService } from './orders/orders.service';

/** The public API (bearer-authenticated, see AuthModule): creates and reads orders, and applies the saga's outcome to them. */
@Module({})
export class OrderServiceModule {
  /** The app over its environment, validated once by `runService`. */
  static forRoot(env: OrderServiceEnv): DynamicModule {
    return {
      module: OrderServiceModule,
      imports: [
        RuntimeModule.forRoot({ serviceName: ORDER_SERVICE, env }),
        EventPlatformModule.forRoot({ serviceName: ORDER_SERVICE, env, schema: 'orders', migrations: ORDER_MIGRATIONS, ownedStreams: ['ORDERS'] }),
        AuthModule.forRoot(env),
      ],
      controllers: [OrdersController, OrderEventsController],
      providers: [OrdersService, OrdersRepository],
    };
  }
}
