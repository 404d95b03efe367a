import './instrumentation';

import { connectEventTransport, runService, serveOpenApi } from '@app/runtime';

import { InventoryServiceEnv } from './config/inventory.env';
import { InventoryServiceModule } from './inventory-service.module';

void runService({
  name: 'inventory-service',
  module: InventoryServiceModule,
  env: InventoryServiceEnv,
  configure: (app) => {
    serveOpenApi(app, {
      title: 'Inventory API',
      description: 'Stock levels of the products the order saga reserves. Every error is an RFC 9457 problem document.',
    });
    connectEventTransport(app);
  },
});
