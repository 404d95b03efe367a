import type { Database, Tx } from '@app/persistence';
import { Injectable } from '@nestjs/common';
import { asc, eq, inArray, sql } from 'drizzle-orm';

import { products, reservations, type ReservationStatus } from '../db/inventory.schema';

/** Any Drizzle handle: the database or an open transaction. */
type Db = Database | Tx;

export type ProductRow = typeof products.$inferSelect;
export type ReservationRow = typeof reservations.$inferSelect;
export type StockLine = { sku: string; quantity: number };

/** How a set of lines moves stock: reserve takes from available, release gives back, commit ships what was reserved. */
export type StockMove = 'reserve' | 'release' | 'commit';

/** All SQL of the inventory schema. Every method takes the handle to run on, so callers choose the transaction. */
@Injectable()
export class StockRepository {
  async product(db: Db, sku: string): Promise<ProductRow | undefined> {
    const [row] = await db.select().from(products).where(eq(products.sku, sku)).limit(1);
    return row;
  }

  /** Locks the named products in SKU order (concurrent orders then cannot deadlock) until the transaction ends. */
  async lockProducts(tx: Tx, skus: string[]): Promise<ProductRow[]> {
    return tx.select().from(products).where(inArray(products.sku, skus)).orderBy(asc(products.sku)).for('update');
  }

  async reservation(db: Db, orderId: string, options: { lock?: boolean } = {}): Promise<ReservationRow | undefined> {
    const query = db.select().from(reservations).where(eq(reservations.orderId, orderId)).limit(1);
    const [row] = options.lock ? await query.for('update') : await query;
    return row;
  }

  async addReservation(tx: Tx, orderId: string, status: ReservationStatus, items: StockLine[], at: Date): Promise<void> {
    await tx.insert(reservations).values({ orderId, status, items, createdAt: at, updatedAt: at });
  }

  async setReservationStatus(tx: Tx, orderId: string, status: ReservationStatus, at: Date): Promise<void> {
    await tx.update(reservations).set({ status, updatedAt: at }).where(eq(reservations.orderId, orderId));
  }

  /**
   * Moves every line's units in one statement (lines with distinct SKUs, as `mergeLines` returns them). The UPDATE
   * locks rows in whatever order its plan visits them, so with several lines the caller holds the locks already
   * (`lockProducts`, SKU order): otherwise two orders sharing SKUs could deadlock.
   */
  async move(tx: Tx, lines: StockLine[], move: StockMove): Promise<void> {
    if (lines.length === 0) return;
    const values = sql.join(
      lines.map((line) => sql`(${line.sku}::text, ${line.quantity}::integer)`),
      sql`, `,
    );
    const set = {
      reserve: sql`available = p.available - v.quantity, reserved = p.reserved + v.quantity`,
      release: sql`available = p.available + v.quantity, reserved = p.reserved - v.quantity`,
      commit: sql`reserved = p.reserved - v.quantity`,
    }[move];
    await tx.execute(sql`UPDATE ${products} AS p SET ${set} FROM (VALUES ${values}) AS v(sku, quantity) WHERE p.sku = v.sku`);
  }
}
