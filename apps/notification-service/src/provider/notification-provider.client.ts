import type { DependencyPolicy } from '@app/resilience';
import { Inject, Injectable } from '@nestjs/common';

import { NOTIFICATION_PROVIDER, NOTIFICATION_PROVIDER_POLICY } from './notification-provider.constants';
import type { NotificationProvider, SendReceipt, SendRequest } from './notification-provider.interfaces';

/**
 * The notification provider as the rest of notification-service sees it: every send goes through the
 * `notification-provider` policy (bulkhead, retry with jittered backoff, circuit breaker, timeout).
 *
 * @throws DependencyUnavailableError (from @app/resilience) when the provider cannot answer: retry the message later.
 * @throws NotificationRequestRejectedError for a message that can never be sent.
 */
@Injectable()
export class NotificationProviderClient {
  constructor(
    @Inject(NOTIFICATION_PROVIDER) private readonly provider: NotificationProvider,
    @Inject(NOTIFICATION_PROVIDER_POLICY) private readonly policy: DependencyPolicy,
  ) {}

  send(request: SendRequest): Promise<SendReceipt> {
    return this.policy.execute((signal) => this.provider.send(request, signal));
  }
}
