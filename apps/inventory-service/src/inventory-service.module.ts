import { RuntimeModule } from '@app/runtime';
import { EventPlatformModule } from '@app/runtime/platform';
import { Module } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';

import { InventoryServiceEnv } from './config/inventory.env';
import { inventoryMigrations } from './db/inventory.migrations';
import { InventoryController } from './stock/inventory.controller';
import { InventoryEventsController } from './stock/inventory-events.controller';
import { StockRepository } from './stock/stock.repository';
import { INVENTORY_SERVICE, StockService } from './stock/stock.service';

/** Owns stock: reserves it for new orders (all lines or none), releases it on cancellation. */
@Module({
  imports: [
    RuntimeModule.forRoot({ serviceName: INVENTORY_SERVICE, env: InventoryServiceEnv }),
    EventPlatformModule.forRoot({
      serviceName: INVENTORY_SERVICE,
      schema: 'inventory',
      migrations: (config: ConfigService) =>
        inventoryMigrations({ count: config.get<number>('INVENTORY_SEED_COUNT')!, stock: config.get<number>('INVENTORY_SEED_STOCK')! }),
      ownedStreams: ['INVENTORY'],
    }),
  ],
  controllers: [InventoryController, InventoryEventsController],
  providers: [StockService, StockRepository],
})
export class InventoryServiceModule {}
