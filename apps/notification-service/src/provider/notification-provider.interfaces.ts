/** One message to a customer. */
export interface SendRequest {
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
