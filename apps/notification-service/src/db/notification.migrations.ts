/** notification-service's schema changes, applied in order at start-up. Append only. */
export const NOTIFICATION_MIGRATIONS = [
  {
    id: '0001_notifications',
    sql: `
      CREATE TABLE notifications.notifications (
        order_id uuid NOT NULL,
        template text NOT NULL,
        recipient text NOT NULL,
        channel text NOT NULL,
        provider_message_id text,
        sent_at timestamptz NOT NULL,
        PRIMARY KEY (order_id, template)
      );
    `,
  },
  {
    // The simulated provider's own books. It stands for an outside system, so what it sent must outlive a crash of
    // notification-service, as a real provider's records do: written in transactions of its own, never in the
    // service's. provider_deliveries is append-only with no unique key, so a second send shows as a second row.
    id: '0002_provider_books',
    sql: `
      CREATE TABLE notifications.provider_deliveries (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        order_id text NOT NULL,
        idempotency_key text NOT NULL,
        recipient text NOT NULL,
        template text NOT NULL,
        message_id text NOT NULL,
        sent_at timestamptz NOT NULL
      );
      CREATE INDEX provider_deliveries_order_idx ON notifications.provider_deliveries (order_id);
      CREATE TABLE notifications.provider_idempotency_keys (
        idempotency_key text PRIMARY KEY,
        message_id text NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL
      );
      CREATE INDEX provider_idempotency_keys_expires_idx ON notifications.provider_idempotency_keys (expires_at);
    `,
  },
];
