/** Policy name of the gateway: its breaker shows under this key in `/health/ready` and in metrics. */
export const PAYMENT_GATEWAY_DEPENDENCY = 'payment-gateway';

/** The raw gateway (a {@link PaymentGateway}); the simulated one by default, a fake in tests. */
export const PAYMENT_GATEWAY = 'PAYMENT:GATEWAY';
/** The {@link DependencyPolicy} every gateway call goes through. */
export const PAYMENT_GATEWAY_POLICY = 'PAYMENT:GATEWAY_POLICY';
/** The validated {@link PaymentGatewayConfig}. */
export const PAYMENT_GATEWAY_CONFIG = 'PAYMENT:GATEWAY_CONFIG';
/** The gateway's books (a {@link PaymentGatewayBooks}): its idempotency memory and charge log, in the database. */
export const PAYMENT_GATEWAY_BOOKS = 'PAYMENT:GATEWAY_BOOKS';
