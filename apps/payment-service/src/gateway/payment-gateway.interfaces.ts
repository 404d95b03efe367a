/** One charge. `amount` in minor units (integer), ISO 4217 `currency`. */
export interface ChargeRequest {
  orderId: string;
  amount: number;
  currency: string;
  /** Same key, same answer: a retried or redelivered charge never charges twice. */
  idempotencyKey: string;
}

/** The gateway's answer. A decline is an answer, not a failure: it never trips the breaker. */
export type ChargeResult = { outcome: 'approved'; transactionId: string } | { outcome: 'declined'; reason: string };

/** The outside payment system, without resilience. Throws on technical failure; `signal` aborts the call. */
export interface PaymentGateway {
  charge(request: ChargeRequest, signal?: AbortSignal): Promise<ChargeResult>;
}

/** Settings of the simulated gateway (from `PAYMENT_GATEWAY_*`, `PAYMENT_DECLINE_ABOVE`). */
export interface PaymentGatewayConfig {
  failureRate: number;
  latencyMs: number;
  declineAbove: number;
}
