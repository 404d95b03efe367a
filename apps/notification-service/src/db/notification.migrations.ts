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
];
