import './instrumentation';

import { runService } from '@app/runtime';
import { connectEventTransport } from '@app/runtime/platform';

import { configureHttpApi } from './common/http-api';
import { OrderServiceEnv } from './config/order.env';
import { OrderServiceModule } from './order-service.module';

void runService({
  name: 'order-service',
  module: OrderServiceModule,
  env: OrderServiceEnv,
  configure: (app) => {
    configureHttpApi(app);
    connectEventTransport(app);
  },
});
