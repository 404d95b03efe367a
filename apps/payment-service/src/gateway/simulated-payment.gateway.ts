import { randomUUID } from 'node:crypto';

import { abortableDelay } from '@app/resilience';
import { Inject, Injectable } from '@nestjs/common';

import { PAYMENT_GATEWAY_CONFIG } from './payment-gateway.constants';
import { PaymentGatewayUnavailableError, PaymentRequestRejectedError } from './payment-gateway.errors';
import type { ChargeRequest, ChargeResult, PaymentGateway, PaymentGatewayConfig } from './payment-gateway.interfaces';

/** Remembered idempotency keys; the oldest are forgotten beyond this (a real gateway keeps them ~24 h). */
const MAX_REMEMBERED_KEYS = 100_000;

/**
 * The external payment gateway, simulated in-process so faults can be injected: a configurable latency, a share of
 * technical failures (half of them after the charge was made, the response lost), and declines above an amount.
 * Like real gateways it is idempotent per key: the same key gets the same answer (same transaction id) for as long as
 * the key is remembered, so a retry after a lost response never charges twice.
 */
@Injectable()
export class SimulatedPaymentGateway implements PaymentGateway {
  private readonly answers = new Map<string, { fingerprint: string; result: ChargeResult }>();

  constructor(@Inject(PAYMENT_GATEWAY_CONFIG) private readonly config: PaymentGatewayConfig) {}

  async charge(request: ChargeRequest, signal?: AbortSignal): Promise<ChargeResult> {
    validate(request);
    await abortableDelay(this.config.latencyMs, signal, 'payment gateway call');
    const fails = this.config.failureRate > 0 && Math.random() < this.config.failureRate;
    // Half the simulated failures happen after the charge was made (the response is lost on the way back), as on a
    // real network: only the idempotency key keeps the retry from charging twice.
    if (fails && Math.random() < 0.5) throw new PaymentGatewayUnavailableError();
    const result = this.process(request);
    if (fails) throw new PaymentGatewayUnavailableError('payment gateway response lost (simulated outage)');
    return result;
  }

  private process(request: ChargeRequest): ChargeResult {
    const fingerprint = `${request.orderId}|${request.amount}|${request.currency}`;
    const known = this.answers.get(request.idempotencyKey);
    if (known) {
      if (known.fingerprint !== fingerprint) {
        throw new PaymentRequestRejectedError(`idempotency key ${request.idempotencyKey} was already used for another charge`);
      }
      return known.result;
    }
    const result: ChargeResult =
      request.amount > this.config.declineAbove
        ? { outcome: 'declined', reason: `amount ${request.amount} ${request.currency} exceeds the limit of ${this.config.declineAbove}` }
        : { outcome: 'approved', transactionId: `txn_${randomUUID()}` };
    this.remember(request.idempotencyKey, { fingerprint, result });
    return result;
  }

  private remember(key: string, entry: { fingerprint: string; result: ChargeResult }): void {
    if (this.answers.size >= MAX_REMEMBERED_KEYS) {
      const oldest = this.answers.keys().next().value;
      if (oldest !== undefined) this.answers.delete(oldest);
    }
    this.answers.set(key, entry);
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
