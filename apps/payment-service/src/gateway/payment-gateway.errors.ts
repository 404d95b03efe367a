/** The gateway did not answer properly (outage, 5xx, connection reset). Transient: retried, counts toward the breaker. */
export class PaymentGatewayUnavailableError extends Error {
  readonly transient = true;
  constructor(message = 'payment gateway failed to process the request (simulated outage)') {
    super(message);
    this.name = 'PaymentGatewayUnavailableError';
  }
}

/** The request can never succeed (bad amount, idempotency key reused for another charge). Never retried. */
export class PaymentRequestRejectedError extends Error {
  readonly permanent = true;
  constructor(message: string) {
    super(message);
    this.name = 'PaymentRequestRejectedError';
  }
}
