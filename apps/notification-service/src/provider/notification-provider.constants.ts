/** Policy name of the provider: its breaker shows under this key in `/health/ready` and in metrics. */
export const NOTIFICATION_PROVIDER_DEPENDENCY = 'notification-provider';

/** The raw provider (a {@link NotificationProvider}); the simulated one by default, a fake in tests. */
export const NOTIFICATION_PROVIDER = 'NOTIFICATION:PROVIDER';
/** The {@link DependencyPolicy} every provider call goes through. */
export const NOTIFICATION_PROVIDER_POLICY = 'NOTIFICATION:PROVIDER_POLICY';
/** The validated {@link NotificationProviderConfig}. */
export const NOTIFICATION_PROVIDER_CONFIG = 'NOTIFICATION:PROVIDER_CONFIG';
/** The provider's books (a {@link NotificationProviderBooks}): its idempotency memory and delivery log, in the database. */
export const NOTIFICATION_PROVIDER_BOOKS = 'NOTIFICATION:PROVIDER_BOOKS';
