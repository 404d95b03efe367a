import './instrumentation';

import { connectEventTransport, runService } from '@app/runtime';

import { PaymentServiceEnv } from './config/payment.env';
import { PaymentServiceModule } from './payment-service.module';

void runService({ name: 'payment-service', module: PaymentServiceModule, env: PaymentServiceEnv, configure: connectEventTransport });
