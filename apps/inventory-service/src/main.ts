import './instrumentation';

import { runService } from '@app/runtime';
import { connectEventTransport } from '@app/runtime/platform';

import { InventoryServiceEnv } from './config/inventory.env';
import { InventoryServiceModule } from './inventory-service.module';

void runService({ name: 'inventory-service', module: InventoryServiceModule, env: InventoryServiceEnv, configure: connectEventTransport });
