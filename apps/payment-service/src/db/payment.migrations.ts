/** payment-service's schema changes, applied in order at start-up. Append only. */
export const PAYMENT_MIGRATIONS = [
  {
    id: '0001_payments',
    sql: `
      CREATE TABLE payments.payments (
        order_id uuid PRIMARY KEY,
        status text NOT NULL CHECK (status IN ('COMPLETED', 'FAILED')),
        amount bigint NOT NULL,
        currency text NOT NULL,
        transaction_id text,
        reason text,
        created_at timestamptz NOT NULL
      );
    `,
  },
  {
    // The simulated gateway's own books. It stands for an outside system, so what it did must outlive a crash of
    // payment-service, as a real gateway's records do: written in transactions of its own, never in the service's.
    // gateway_charges is append-only with no unique key on the order, so a second charge would show as a second row.
    id: '0002_gateway_books',
    sql: `
      CREATE TABLE payments.gateway_charges (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        order_id text NOT NULL,
        idempotency_key text NOT NULL,
        amount bigint NOT NULL,
        currency text NOT NULL,
        transaction_id text NOT NULL,
        charged_at timestamptz NOT NULL
      );
      CREATE INDEX gateway_charges_order_idx ON payments.gateway_charges (order_id);
      CREATE TABLE payments.gateway_idempotency_keys (
        idempotency_key text PRIMARY KEY,
        fingerprint text NOT NULL,
        result jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL
      );
      CREATE INDEX gateway_idempotency_keys_expires_idx ON payments.gateway_idempotency_keys (expires_at);
    `,
  },
];
