import type { Database, Tx } from '@app/persistence';
import { Injectable } from '@nestjs/common';
import { eq } from 'drizzle-orm';

import { payments } from '../db/payment.schema';

export type PaymentRow = typeof payments.$inferInsert;

/** All SQL of the payments table (the simulated gateway's own books are in gateway/payment-gateway.books.ts). */
@Injectable()
export class PaymentsRepository {
  async exists(db: Database | Tx, orderId: string): Promise<boolean> {
    const rows = await db.select({ orderId: payments.orderId }).from(payments).where(eq(payments.orderId, orderId)).limit(1);
    return rows.length > 0;
  }

  /** Records the order's payment; false when the order has one already (a concurrent delivery won the race). */
  async addOnce(tx: Tx, row: PaymentRow): Promise<boolean> {
    const inserted = await tx.insert(payments).values(row).onConflictDoNothing().returning({ orderId: payments.orderId });
    return inserted.length > 0;
  }
}
