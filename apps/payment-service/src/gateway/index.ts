export { PaymentGatewayClient } from './payment-gateway.client';
export { DatabasePaymentGatewayBooks, IDEMPOTENCY_RETENTION_MS } from './payment-gateway.books';
export {
  PAYMENT_GATEWAY,
  PAYMENT_GATEWAY_BOOKS,
  PAYMENT_GATEWAY_CONFIG,
  PAYMENT_GATEWAY_DEPENDENCY,
  PAYMENT_GATEWAY_POLICY,
} from './payment-gateway.constants';
export { WithPaymentGatewayEnv, type PaymentGatewayEnvVars } from './payment-gateway.env';
export { PaymentGatewayUnavailableError, PaymentRequestRejectedError } from './payment-gateway.errors';
export type {
  ChargeRequest,
  ChargeResult,
  PaymentGateway,
  PaymentGatewayBooks,
  PaymentGatewayConfig,
  RememberedCharge,
} from './payment-gateway.interfaces';
export { PaymentGatewayModule, paymentGatewayConfigFromEnv } from './payment-gateway.module';
export { SimulatedPaymentGateway } from './simulated-payment.gateway';
