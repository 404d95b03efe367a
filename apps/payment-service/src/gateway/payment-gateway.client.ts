import type { DependencyPolicy } from '@app/resilience';
import { Inject, Injectable } from '@nestjs/common';

import { PAYMENT_GATEWAY, PAYMENT_GATEWAY_POLICY } from './payment-gateway.constants';
import type { ChargeRequest, ChargeResult, PaymentGateway } from './payment-gateway.interfaces';

/**
 * The payment gateway as the rest of payment-service sees it: every charge goes through the `payment-gateway`
 * policy (bulkhead, retry with jittered backoff, circuit breaker, timeout). A decline comes back as a result and never
 * trips the breaker.
 *
 * @throws DependencyUnavailableError (from @app/resilience) when the gateway cannot answer: breaker open, timeout,
 * bulkhead full or every attempt failed. Retry the message later.
 * @throws PaymentRequestRejectedError for a request that can never succeed.
 */
@Injectable()
export class PaymentGatewayClient {
  constructor(
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
    @Inject(PAYMENT_GATEWAY_POLICY) private readonly policy: DependencyPolicy,
  ) {}

  charge(request: ChargeRequest): Promise<ChargeResult> {
    return this.policy.execute((signal) => this.gateway.charge(request, signal));
  }
}
