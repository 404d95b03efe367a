/**
 * order-service's schema changes, applied in order at start-up. Append only: never edit a shipped migration.
 * (SQL kept in code because the app ships as a single bundle; see @app/persistence.)
 */
export const ORDER_MIGRATIONS = [
  {
    id: '0001_orders',
    sql: `
      CREATE TABLE orders.orders (
        id uuid PRIMARY KEY,
        customer_id text NOT NULL,
        currency text NOT NULL,
        items jsonb NOT NULL,
        total_amount bigint NOT NULL,
        status text NOT NULL CHECK (status IN ('PENDING', 'CONFIRMED', 'CANCELLED')),
        reason text,
        reason_message text,
        idempotency_key text UNIQUE,
        request_hash text,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      );
      CREATE INDEX orders_customer_created_idx ON orders.orders (customer_id, created_at DESC, id DESC);
      CREATE INDEX orders_created_idx ON orders.orders (created_at DESC, id DESC);
      CREATE TABLE orders.order_history (
        id bigserial PRIMARY KEY,
        order_id uuid NOT NULL REFERENCES orders.orders (id),
        event_type text NOT NULL,
        event_id text NOT NULL,
        at timestamptz NOT NULL
      );
      CREATE INDEX order_history_order_idx ON orders.order_history (order_id, id);
    `,
  },
];
