import type { Database, Tx } from '@app/persistence';
import { and, asc, desc, eq, lt, or, type SQL, sql } from 'drizzle-orm';

import { orderHistory, type OrderItemRow, orders } from '../db/order.schema';
import type { OrderStatus } from './list-orders.query';

/** Any Drizzle handle: the database or an open transaction. */
export type Db = Database | Tx;

export type OrderRow = typeof orders.$inferSelect;
export type HistoryRow = typeof orderHistory.$inferSelect;

export interface OrderView {
  id: string;
  customerId: string;
  currency: string;
  items: OrderItemRow[];
  totalAmount: number;
  status: OrderStatus;
  reason?: string;
  reasonMessage?: string;
  createdAt: string;
  updatedAt: string;
  /** One entry per saga step: the event's type, its id, and when it happened. */
  history?: { type: string; eventId: string; at: string }[];
}

export function toView(row: OrderRow, history?: Pick<HistoryRow, 'eventType' | 'eventId' | 'at'>[]): OrderView {
  return {
    id: row.id,
    customerId: row.customerId,
    currency: row.currency,
    items: row.items,
    totalAmount: row.totalAmount,
    status: row.status,
    ...(row.reason ? { reason: row.reason, reasonMessage: row.reasonMessage ?? undefined } : {}),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    ...(history ? { history: history.map((h) => ({ type: h.eventType, eventId: h.eventId, at: h.at.toISOString() })) } : {}),
  };
}

/** Keyset cursor for `GET /orders`: the (createdAt, id) of the last row of the previous page. */
export function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } | undefined {
  const [time, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(time ?? '');
  if (!id || Number.isNaN(createdAt.getTime()) || !/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  return { createdAt, id };
}

/** All SQL of the orders schema. Every method takes the handle to run on, so callers choose the transaction. */
export class OrdersRepository {
  async insert(db: Db, row: typeof orders.$inferInsert): Promise<void> {
    await db.insert(orders).values(row);
  }

  async findById(db: Db, id: string): Promise<OrderRow | undefined> {
    const [row] = await db.select().from(orders).where(eq(orders.id, id)).limit(1);
    return row;
  }

  /** Reads the order and locks it until the transaction ends, so two outcomes for one order apply in turn. */
  async findByIdForUpdate(db: Db, id: string): Promise<OrderRow | undefined> {
    const [row] = await db.select().from(orders).where(eq(orders.id, id)).for('update').limit(1);
    return row;
  }

  async findByIdempotencyKey(db: Db, key: string): Promise<OrderRow | undefined> {
    const [row] = await db.select().from(orders).where(eq(orders.idempotencyKey, key)).limit(1);
    return row;
  }

  async history(db: Db, orderId: string): Promise<HistoryRow[]> {
    return db.select().from(orderHistory).where(eq(orderHistory.orderId, orderId)).orderBy(asc(orderHistory.id));
  }

  /** Appends saga steps in one statement, in the order given. */
  async addHistory(db: Db, orderId: string, steps: { eventType: string; eventId: string; at: Date }[]): Promise<void> {
    await db.insert(orderHistory).values(steps.map((step) => ({ orderId, ...step })));
  }

  /** Appends one saga step if the order exists, in one statement; false when there is no such order. */
  async addHistoryIfOrderExists(db: Db, orderId: string, step: { eventType: string; eventId: string; at: Date }): Promise<boolean> {
    const result = await db.execute<{ id: number }>(sql`
      INSERT INTO ${orderHistory} (order_id, event_type, event_id, at)
      SELECT ${orders.id}, ${step.eventType}, ${step.eventId}, ${step.at.toISOString()}::timestamptz FROM ${orders} WHERE ${orders.id} = ${orderId}
      RETURNING id`);
    return (result as { rows: unknown[] }).rows.length > 0;
  }

  async setOutcome(db: Db, id: string, outcome: { status: OrderStatus; reason?: string; reasonMessage?: string }, at: Date): Promise<void> {
    await db
      .update(orders)
      .set({ status: outcome.status, reason: outcome.reason ?? null, reasonMessage: outcome.reasonMessage ?? null, updatedAt: at })
      .where(eq(orders.id, id));
  }

  async list(
    db: Db,
    filter: { customerId?: string; status?: OrderStatus; after?: { createdAt: Date; id: string }; limit: number },
  ): Promise<OrderRow[]> {
    const conditions: SQL[] = [];
    if (filter.customerId) conditions.push(eq(orders.customerId, filter.customerId));
    if (filter.status) conditions.push(eq(orders.status, filter.status));
    if (filter.after) {
      const { createdAt, id } = filter.after;
      conditions.push(or(lt(orders.createdAt, createdAt), and(eq(orders.createdAt, createdAt), lt(orders.id, id)))!);
    }
    return db
      .select()
      .from(orders)
      .where(conditions.length ? and(...conditions) : undefined)
      .orderBy(desc(orders.createdAt), desc(orders.id))
      .limit(filter.limit);
  }
}
