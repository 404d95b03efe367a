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
];
