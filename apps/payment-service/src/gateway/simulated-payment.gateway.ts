import { randomUUID } from 'node:crypto';

import { abortableDelay } from '@app/resilience';
import { Inject, Injectable } from '@nestjs/common';

import { PAYMENT_GATEWAY_BOOKS, PAYMENT_GATEWAY_CONFIG } from './payment-gateway.constants';
import { PaymentGatewayUnavailableError, PaymentRequestRejectedError } from './payment-gateway.errors';
import type { ChargeRequest, ChargeResult, PaymentGateway, PaymentGatewayBooks, PaymentGatewayConfig } from './payment-gateway.interfaces';

/**
 * The external payment gateway, simulated in-process so faults can be injected: a configurable latency, a share of
 * technical failures (half of them after the charge was made, the response lost), and declines above an amount.
 * Like real gateways it is idempotent per key: the same key gets the same answer (same transaction id) for as long as
 * the key is remembered, so a retry after a lost response never charges twice. What it remembers and every charge it
 * makes are kept in its {@link PaymentGatewayBooks}, outside payment-service's transactions, so they survive a crash
 * of the service as an outside gateway's would.
 */
@Injectable()
export class SimulatedPaymentGateway implements PaymentGateway {
  constructor(
    @Inject(PAYMENT_GATEWAY_CONFIG) private readonly config: PaymentGatewayConfig,
    @Inject(PAYMENT_GATEWAY_BOOKS) private readonly books: PaymentGatewayBooks,
  ) {}

  async charge(request: ChargeRequest, signal?: AbortSignal): Promise<ChargeResult> {
    validate(request);
    await abortableDelay(this.config.latencyMs, signal, 'payment gateway call');
    const fails = this.config.failureRate > 0 && Math.random() < this.config.failureRate;
    // Half the simulated failures happen after the charge was made (the response is lost on the way back), as on a
    // real network: only the idempotency key keeps the retry from charging twice.
    if (fails && Math.random() < 0.5) throw new PaymentGatewayUnavailableError();
    const result = await this.process(request);
    if (fails) throw new PaymentGatewayUnavailableError('payment gateway response lost (simulated outage)');
    return result;
  }

  private async process(request: ChargeRequest): Promise<ChargeResult> {
    const fingerprint = `${request.orderId}|${request.amount}|${request.currency}`;
    const fresh: ChargeResult =
      request.amount > this.config.declineAbove
        ? { outcome: 'declined', reason: `amount ${request.amount} ${request.currency} exceeds the limit of ${this.config.declineAbove}` }
        : { outcome: 'approved', transactionId: `txn_${randomUUID()}` };
    const remembered = await this.books.settle(request, fingerprint, fresh);
    if (remembered.fingerprint !== fingerprint) {
      throw new PaymentRequestRejectedError(`idempotency key ${request.idempotencyKey} was already used for another charge`);
    }
    return remembered.result;
  }
}

function validate(request: ChargeRequest): void {
  if (!Number.isSafeInteger(request.amount) || request.amount < 0) {
    throw new PaymentRequestRejectedError(`amount must be a non-negative integer in minor units (got ${request.amount})`);
  }
  if (!/^[A-Z]{3}$/.test(request.currency)) {
    throw new PaymentRequestRejectedError(`currency must be an ISO 4217 code (got ${request.currency})`);
  }
  if (!request.idempotencyKey) throw new PaymentRequestRejectedError('idempotencyKey is required');
}
