import './instrumentation';

import { runService } from '@app/runtime';
import { connectEventTransport } from '@app/runtime/platform';

import { PaymentServiceEnv } from './config/payment.env';
import { PaymentServiceModule } from './payment-service.module';

void runService({ name: 'payment-service', module: PaymentServiceModule, env: PaymentServiceEnv, configure: connectEventTransport });
