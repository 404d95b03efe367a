import { randomUUID } from 'node:crypto';

import { abortableDelay } from '@app/resilience';
import { Inject, Injectable } from '@nestjs/common';

import { NOTIFICATION_PROVIDER_CONFIG } from './notification-provider.constants';
import { NotificationProviderUnavailableError, NotificationRequestRejectedError } from './notification-provider.errors';
import type { NotificationProvider, NotificationProviderConfig, SendReceipt, SendRequest } from './notification-provider.interfaces';

/** Remembered idempotency keys; the oldest are forgotten beyond this. */
const MAX_REMEMBERED_KEYS = 100_000;

/**
 * The external e-mail provider, simulated in-process so faults can be injected (latency, share of failures).
 * Idempotent per key, like providers that accept an idempotency header: the same key returns the same message id.
 */
@Injectable()
export class SimulatedNotificationProvider implements NotificationProvider {
  private readonly sent = new Map<string, SendReceipt>();

  constructor(@Inject(NOTIFICATION_PROVIDER_CONFIG) private readonly config: NotificationProviderConfig) {}

  async send(request: SendRequest, signal?: AbortSignal): Promise<SendReceipt> {
    if (!request.recipient) throw new NotificationRequestRejectedError('recipient is required');
    if (!request.template) throw new NotificationRequestRejectedError('template is required');
    if (!request.idempotencyKey) throw new NotificationRequestRejectedError('idempotencyKey is required');
    await abortableDelay(this.config.latencyMs, signal, 'notification provider call');
    const fails = this.config.failureRate > 0 && Math.random() < this.config.failureRate;
    // Half the simulated failures happen after the message was accepted (the response is lost): only the
    // idempotency key keeps the retry from reaching the customer twice.
    if (fails && Math.random() < 0.5) throw new NotificationProviderUnavailableError();
    const receipt = this.accept(request.idempotencyKey);
    if (fails) throw new NotificationProviderUnavailableError('notification provider response lost (simulated outage)');
    return receipt;
  }

  private accept(idempotencyKey: string): SendReceipt {
    const known = this.sent.get(idempotencyKey);
    if (known) return known;
    const receipt: SendReceipt = { messageId: `msg_${randomUUID()}` };
    if (this.sent.size >= MAX_REMEMBERED_KEYS) {
      const oldest = this.sent.keys().next().value;
      if (oldest !== undefined) this.sent.delete(oldest);
    }
    this.sent.set(idempotencyKey, receipt);
    return receipt;
  }
}
