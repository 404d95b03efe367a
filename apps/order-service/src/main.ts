import './instrumentation';

import { runService } from '@app/runtime';

import { OrderServiceEnv } from './config/order.env';
import { OrderServiceModule } from './order-service.module';

void runService({ name: 'order-service', module: OrderServiceModule, env: OrderServiceEnv });
