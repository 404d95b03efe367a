import { randomUUID } from 'node:crypto';

import { abortableDelay } from '@app/resilience';
import { Inject, Injectable } from '@nestjs/common';

import { NOTIFICATION_PROVIDER_BOOKS, NOTIFICATION_PROVIDER_CONFIG } from './notification-provider.constants';
import { NotificationProviderUnavailableError, NotificationRequestRejectedError } from './notification-provider.errors';
import type {
  NotificationProvider,
  NotificationProviderBooks,
  NotificationProviderConfig,
  SendReceipt,
  SendRequest,
} from './notification-provider.interfaces';

/**
 * The external e-mail provider, simulated in-process so faults can be injected (latency, share of failures).
 * Idempotent per key, like providers that accept an idempotency header: the same key returns the same message id.
 * What it remembers and every message it sends are kept in its {@link NotificationProviderBooks}, outside
 * notification-service's transactions, so they survive a crash of the service as an outside provider's would.
 */
@Injectable()
export class SimulatedNotificationProvider implements NotificationProvider {
  constructor(
    @Inject(NOTIFICATION_PROVIDER_CONFIG) private readonly config: NotificationProviderConfig,
    @Inject(NOTIFICATION_PROVIDER_BOOKS) private readonly books: NotificationProviderBooks,
  ) {}

  async send(request: SendRequest, signal?: AbortSignal): Promise<SendReceipt> {
    if (!request.recipient) throw new NotificationRequestRejectedError('recipient is required');
    if (!request.template) throw new NotificationRequestRejectedError('template is required');
    if (!request.idempotencyKey) throw new NotificationRequestRejectedError('idempotencyKey is required');
    await abortableDelay(this.config.latencyMs, signal, 'notification provider call');
    const fails = this.config.failureRate > 0 && Math.random() < this.config.failureRate;
    // Half the simulated failures happen after the message was accepted (the response is lost): only the
    // idempotency key keeps the retry from reaching the customer twice.
    if (fails && Math.random() < 0.5) throw new NotificationProviderUnavailableError();
    const receipt = await this.books.settle(request, { messageId: `msg_${randomUUID()}` });
    if (fails) throw new NotificationProviderUnavailableError('notification provider response lost (simulated outage)');
    return receipt;
  }
}
