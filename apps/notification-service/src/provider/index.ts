export { DatabaseNotificationProviderBooks, PROVIDER_IDEMPOTENCY_RETENTION_MS } from './notification-provider.books';
export { NotificationProviderClient } from './notification-provider.client';
export {
  NOTIFICATION_PROVIDER,
  NOTIFICATION_PROVIDER_BOOKS,
  NOTIFICATION_PROVIDER_CONFIG,
  NOTIFICATION_PROVIDER_DEPENDENCY,
  NOTIFICATION_PROVIDER_POLICY,
} from './notification-provider.constants';
export { type NotificationProviderEnvVars, WithNotificationProviderEnv } from './notification-provider.env';
export { NotificationProviderUnavailableError, NotificationRequestRejectedError } from './notification-provider.errors';
export type {
  NotificationProvider,
  NotificationProviderBooks,
  NotificationProviderConfig,
  SendReceipt,
  SendRequest,
} from './notification-provider.interfaces';
export { NotificationProviderModule, notificationProviderConfigFromEnv } from './notification-provider.module';
export { SimulatedNotificationProvider } from './simulated-notification.provider';
