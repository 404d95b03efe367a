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

/** What the gateway remembers about one idempotency key: what the request looked like, and the answer it got. */
export interface RememberedCharge {
  /** `orderId|amount|currency` of the first request under the key. */
  fingerprint: string;
  result: ChargeResult;
}

/**
 * The simulated gateway's own books: its idempotency memory and the log of every charge it made. They stand for
 * an outside system's records, so they live outside payment-service's transactions and survive its crashes.
 */
export interface PaymentGatewayBooks {
  /**
   * Settles one request, atomically: if the key is remembered (and not expired), returns what was remembered and
   * records nothing; otherwise remembers `fresh` under the key, logs the charge when `fresh` is approved, and
   * returns it. Concurrent calls with one key settle one after the other, so only one of them can charge.
   */
  settle(request: ChargeRequest, fingerprint: string, fresh: ChargeResult): Promise<RememberedCharge>;
}
