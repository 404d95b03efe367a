import { HealthModule } from '@app/health';
import { RuntimeModule } from '@app/runtime';
import { Module } from '@nestjs/common';

import { InventoryServiceEnv } from './config/inventory.env';

/** Reserves and releases stock. */
@Module({
  imports: [RuntimeModule.forRoot({ serviceName: 'inventory-service', env: InventoryServiceEnv }), HealthModule],
})
export class InventoryServiceModule {}
