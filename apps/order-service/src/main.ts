import './instrumentation';

import { connectEventTransport, runService } from '@app/runtime';

import { assertAuthUsable } from './auth/verification-key';
import { configureHttpApi } from './common/http-api';
import { OrderServiceEnv } from './config/order.env';
import { OrderServiceModule } from './order-service.module';

void runService({
  name: 'order-service',
  module: OrderServiceModule,
  env: OrderServiceEnv,
  // Refuses to start with no usable key and no explicit AUTH_DISABLED=true, before anything connects or listens.
  preflight: assertAuthUsable,
  configure: async (app, env) => {
    await configureHttpApi(app, env);
    connectEventTransport(app);
  },
});
