import { createEvent, type EventEnvelope, Subjects } from '@app/contracts';
import { EventOutbox, UnitOfWork } from '@app/persistence';
import { DependencyUnavailableError } from '@app/resilience';
import { Injectable, Logger } from '@nestjs/common';
import { eq } from 'drizzle-orm';

import { payments } from '../db/payment.schema';
import { PaymentGatewayClient } from '../gateway';

export const PAYMENT_SERVICE = 'payment-service';

type ChargeOutcome =
  | { status: 'COMPLETED'; transactionId: string }
  | { status: 'FAILED'; reason: 'DECLINED' | 'UNAVAILABLE'; message: string };

/** Charges each reserved order once and reports the outcome. */
@Injectable()
export class PaymentsService {
  private readonly logger = new Logger(PaymentsService.name);

  constructor(
    private readonly uow: UnitOfWork,
    private readonly outbox: EventOutbox,
    private readonly gateway: PaymentGatewayClient,
  ) {}

  /**
   * The gateway call happens outside the transaction (no database lock held over the network); the gateway is
   * idempotent on the order id, so a crash between charge and commit cannot charge twice on redelivery.
   * While the gateway is unavailable the error propagates and the message is retried later; on the last delivery
   * the order fails with reason UNAVAILABLE instead, so it still reaches a final state.
   */
  async charge(consumer: string, event: EventEnvelope<'inventory.reserved'>, lastDelivery: boolean): Promise<void> {
    const { orderId, customerId, totalAmount, currency } = event.data;
    if (await this.exists(orderId)) {
      await this.uow.transactional((tx) => this.uow.inbox.runOnce(tx, consumer, event.id, async () => undefined));
      return;
    }

    let outcome: ChargeOutcome;
    try {
      const result = await this.gateway.charge({ orderId, amount: totalAmount, currency, idempotencyKey: orderId });
      outcome =
        result.outcome === 'approved'
          ? { status: 'COMPLETED', transactionId: result.transactionId }
          : { status: 'FAILED', reason: 'DECLINED', message: result.reason };
    } catch (error) {
      if (!(error instanceof DependencyUnavailableError) || !lastDelivery) throw error;
      this.logger.warn(`payment gateway still unavailable on the last delivery for order ${orderId}: failing the payment`);
      outcome = { status: 'FAILED', reason: 'UNAVAILABLE', message: 'The payment gateway was unavailable.' };
    }

    const meta = { source: PAYMENT_SERVICE, subject: orderId, correlationId: event.correlationid, causationId: event.id };
    await this.uow.transactional(async (tx) => {
      await this.uow.inbox.runOnce(tx, consumer, event.id, async () => {
        const inserted = await tx
          .insert(payments)
          .values({
            orderId,
            status: outcome.status,
            amount: totalAmount,
            currency,
            transactionId: outcome.status === 'COMPLETED' ? outcome.transactionId : null,
            reason: outcome.status === 'FAILED' ? outcome.reason : null,
            createdAt: new Date(),
          })
          .onConflictDoNothing()
          .returning({ orderId: payments.orderId });
        if (inserted.length === 0) return; // a concurrent delivery of the same order won the race
        await this.outbox.enqueue(
          tx,
          outcome.status === 'COMPLETED'
            ? createEvent(Subjects.PaymentCompleted, { orderId, customerId, paymentId: outcome.transactionId, amount: totalAmount, currency }, meta)
            : createEvent(Subjects.PaymentFailed, { orderId, customerId, reason: outcome.reason, message: outcome.message, amount: totalAmount, currency }, meta),
        );
      });
    });
  }

  private async exists(orderId: string): Promise<boolean> {
    const rows = await this.uow.db.select({ orderId: payments.orderId }).from(payments).where(eq(payments.orderId, orderId)).limit(1);
    return rows.length > 0;
  }
}
