/** The provider did not answer properly (outage, 5xx). Transient: retried, counts toward the breaker. */
export class NotificationProviderUnavailableError extends Error {
  readonly transient = true;
  constructor(message = 'notification provider failed to accept the message (simulated outage)') {
    super(message);
    this.name = 'NotificationProviderUnavailableError';
  }
}

/** The message can never be sent (no recipient, no template). Never retried. */
export class NotificationRequestRejectedError extends Error {
  readonly permanent = true;
  constructor(message: string) {
    super(message);
    this.name = 'NotificationRequestRejectedError';
  }
}
