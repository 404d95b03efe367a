import type { Database, Tx } from '@app/persistence';
import { Injectable } from '@nestjs/common';
import { and, eq } from 'drizzle-orm';

import { notifications } from '../db/notification.schema';

export type NotificationRow = typeof notifications.$inferInsert;

/** All SQL of the notifications table (the simulated provider's own books are in provider/). */
@Injectable()
export class NotificationsRepository {
  async exists(db: Database | Tx, orderId: string, template: string): Promise<boolean> {
    const rows = await db
      .select({ orderId: notifications.orderId })
      .from(notifications)
      .where(and(eq(notifications.orderId, orderId), eq(notifications.template, template)))
      .limit(1);
    return rows.length > 0;
  }

  /** Records the sent notification; false when (order, template) has one already. */
  async addOnce(tx: Tx, row: NotificationRow): Promise<boolean> {
    const inserted = await tx.insert(notifications).values(row).onConflictDoNothing().returning({ orderId: notifications.orderId });
    return inserted.length > 0;
  }
}
