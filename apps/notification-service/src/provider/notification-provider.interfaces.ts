/** One message to a customer. */
export interface SendRequest {
  /** The order the message is about, kept in the provider's delivery log (as providers keep a message's metadata). */
  orderId: string;
  recipient: string;
  template: string;
  data: Record<string, unknown>;
  /** Same key, same message id: a retried send never reaches the customer twice. */
  idempotencyKey: string;
}

export interface SendReceipt {
  messageId: string;
}

/** The outside notification provider, without resilience. Throws on technical failure; `signal` aborts the call. */
export interface NotificationProvider {
  send(request: SendRequest, signal?: AbortSignal): Promise<SendReceipt>;
}

/** Settings of the simulated provider (from `NOTIFICATION_PROVIDER_*`). */
export interface NotificationProviderConfig {
  failureRate: number;
  latencyMs: number;
}

/**
 * The simulated provider's own books: its idempotency memory and the log of every message it sent. They stand for an
 * outside system's records, so they live outside notification-service's transactions and survive its crashes.
 */
export interface NotificationProviderBooks {
  /**
   * Settles one send, atomically: if the key is remembered (and not expired), returns the remembered receipt and
   * records nothing; otherwise remembers `fresh` under the key, logs the delivery, and returns it. Concurrent calls
   * with one key settle one after the other, so only one of them can send.
   */
  settle(request: SendRequest, fresh: SendReceipt): Promise<SendReceipt>;
}
