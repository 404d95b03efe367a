import { setTimeout as sleep } from 'node:timers/promises';

import { createEvent, type EventEnvelope, Subjects } from '@app/contracts';
import { EventOutbox, UnitOfWork } from '@app/persistence';
import { DependencyUnavailableError } from '@app/resilience';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import type { PaymentServiceEnv } from '../config/payment.env';
import { PaymentGatewayClient } from '../gateway';
import { PaymentsRepository } from './payments.repository';

export const PAYMENT_SERVICE = 'payment-service';

type ChargeOutcome = { status: 'COMPLETED'; transactionId: string } | { status: 'FAILED'; reason: 'DECLINED' | 'UNAVAILABLE'; message: string };

/** Charges each reserved order once and reports the outcome. */
@Injectable()
export class PaymentsService {
  private readonly logger = new Logger(PaymentsService.name);
  private readonly holdAfterChargeMs: number;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly outbox: EventOutbox,
    private readonly gateway: PaymentGatewayClient,
    private readonly payments: PaymentsRepository,
    config: ConfigService<PaymentServiceEnv, true>,
  ) {
    this.holdAfterChargeMs = config.get('PAYMENT_TEST_HOLD_AFTER_CHARGE_MS', { infer: true }) ?? 0;
    if (this.holdAfterChargeMs > 0) {
      this.logger.warn(`test hook on: every payment is held ${this.holdAfterChargeMs} ms between the charge and the commit`);
    }
  }

  /**
   * The gateway call happens outside the transaction (no database lock held over the network); the gateway is
   * idempotent on the order id (the idempotency key it is sent), so a crash between charge and commit cannot charge
   * twice on redelivery: the gateway remembers the key, not this process.
   * While the gateway is unavailable the error propagates and the message is retried later; on the last delivery
   * the order fails with reason UNAVAILABLE instead, so it still reaches a final state (not when the bulkhead was full:
   * that is this service's own queueing, and the message is retried like any other transient failure).
   */
  async charge(consumer: string, event: EventEnvelope<'inventory.reserved'>, lastDelivery: boolean): Promise<void> {
    const { orderId, customerId, totalAmount, currency } = event.data;
    if (await this.payments.exists(this.uow.db, orderId)) {
      await this.uow.markHandled(consumer, event);
      return;
    }

    let outcome: ChargeOutcome;
    try {
      const result = await this.gateway.charge({ orderId, amount: totalAmount, currency, idempotencyKey: orderId });
      outcome =
        result.outcome === 'approved'
          ? { status: 'COMPLETED', transactionId: result.transactionId }
          : { status: 'FAILED', reason: 'DECLINED', message: result.reason };
      await this.holdForFaultTest(orderId);
    } catch (error) {
      // A full bulkhead is our own overload, not the gateway's answer: it never cancels an order.
      if (!(error instanceof DependencyUnavailableError) || !lastDelivery || error.reason === 'bulkhead-full') throw error;
      this.logger.warn(`payment gateway still unavailable on the last delivery for order ${orderId}: failing the payment`);
      outcome = { status: 'FAILED', reason: 'UNAVAILABLE', message: 'The payment gateway was unavailable.' };
    }

    const meta = { source: PAYMENT_SERVICE, subject: orderId, correlationId: event.correlationid, causationId: event.id };
    await this.uow.handleOnce(consumer, event, async (tx) => {
      const recorded = await this.payments.addOnce(tx, {
        orderId,
        status: outcome.status,
        amount: totalAmount,
        currency,
        transactionId: outcome.status === 'COMPLETED' ? outcome.transactionId : null,
        reason: outcome.status === 'FAILED' ? outcome.reason : null,
        createdAt: new Date(),
      });
      if (!recorded) return; // a concurrent delivery of the same order won the race
      await this.outbox.enqueue(
        tx,
        outcome.status === 'COMPLETED'
          ? createEvent(Subjects.PaymentCompleted, { orderId, customerId, paymentId: outcome.transactionId, amount: totalAmount, currency }, meta)
          : createEvent(
              Subjects.PaymentFailed,
              { orderId, customerId, reason: outcome.reason, message: outcome.message, amount: totalAmount, currency },
              meta,
            ),
      );
    });
  }

  /** PAYMENT_TEST_HOLD_AFTER_CHARGE_MS: the window in which a fault test kills the service after the charge. */
  private async holdForFaultTest(orderId: string): Promise<void> {
    if (this.holdAfterChargeMs <= 0) return;
    this.logger.warn(`test hook: holding the payment of order ${orderId} for ${this.holdAfterChargeMs} ms before the commit`);
    await sleep(this.holdAfterChargeMs);
  }
}
