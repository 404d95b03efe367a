import { EventPlatformModule, RuntimeModule } from '@app/runtime';
import { type DynamicModule, Module } from '@nestjs/common';

import type { InventoryServiceEnv } from './config/inventory.env';
import { inventoryMigrations } from './db/inventory.migrations';
import { InventoryController } from './stock/inventory.controller';
import { InventoryEventsController } from './stock/inventory-events.controller';
import { StockRepository } from './stock/stock.repository';
import { INVENTORY_SERVICE, StockService } from './stock/stock.service';

/** Owns stock: reserves it for new orders (all lines or none), releases it on cancellation. */
@Module({})
export class InventoryServiceModule {
  /** The app over its environment, validated once by `runService`. */
  static forRoot(env: InventoryServiceEnv): DynamicModule {
    return {
      module: InventoryServiceModule,
      imports: [
        RuntimeModule.forRoot({ serviceName: INVENTORY_SERVICE, env }),
        EventPlatformModule.forRoot({
          serviceName: INVENTORY_SERVICE,
          env,
          schema: 'inventory',
          migrations: inventoryMigrations({ count: env.INVENTORY_SEED_COUNT, stock: env.INVENTORY_SEED_STOCK }),
          ownedStreams: ['INVENTORY'],
        }),
      ],
      controllers: [InventoryController, InventoryEventsController],
      providers: [StockService, StockRepository],
    };
  }
}
