export { PaymentGatewayClient } from './payment-gateway.client';
export { PAYMENT_GATEWAY, PAYMENT_GATEWAY_CONFIG, PAYMENT_GATEWAY_DEPENDENCY, PAYMENT_GATEWAY_POLICY } from './payment-gateway.constants';
export { PAYMENT_GATEWAY_ENV_KEYS, PaymentGatewayEnv, WithPaymentGatewayEnv, type PaymentGatewayEnvVars } from './payment-gateway.env';
export { PaymentGatewayUnavailableError, PaymentRequestRejectedError } from './payment-gateway.errors';
export type { ChargeRequest, ChargeResult, PaymentGateway, PaymentGatewayConfig } from './payment-gateway.interfaces';
export { PaymentGatewayModule, paymentGatewayConfigFromEnv } from './payment-gateway.module';
export { SimulatedPaymentGateway } from './simulated-payment.gateway';
