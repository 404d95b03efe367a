import { type Counter, type Histogram, metrics } from '@opentelemetry/api';
import { Injectable } from '@nestjs/common';

import {
  INSTRUMENTATION_SCOPE,
  MESSAGING_DURATION_BUCKETS_SECONDS,
  MessagingMetricNames,
} from './telemetry.constants';

/**
 * The messaging instruments, created once from the global meter provider. Instruments taken from the API before a
 * provider is registered stay no-ops for good (the metrics API has no proxy), which is why the SDK starts before
 * Nest builds this class.
 */
@Injectable()
export class MessagingMetrics {
  readonly sentMessages: Counter;
  readonly consumedMessages: Counter;
  readonly processDuration: Histogram;
  readonly operationDuration: Histogram;
  readonly deadLetterMessages: Counter;
  readonly settledMessages: Counter;

  constructor() {
    const meter = metrics.getMeter(INSTRUMENTATION_SCOPE);
    const advice = { explicitBucketBoundaries: [...MESSAGING_DURATION_BUCKETS_SECONDS] };
    this.sentMessages = meter.createCounter(MessagingMetricNames.SENT_MESSAGES, {
      description: 'Messages a producer attempted to publish to the broker.',
      unit: '{message}',
    });
    this.consumedMessages = meter.createCounter(MessagingMetricNames.CONSUMED_MESSAGES, {
      description: 'Messages delivered to a handler.',
      unit: '{message}',
    });
    this.processDuration = meter.createHistogram(MessagingMetricNames.PROCESS_DURATION, {
      description: 'Duration of handling one message.',
      unit: 's',
      advice,
    });
    this.operationDuration = meter.createHistogram(MessagingMetricNames.OPERATION_DURATION, {
      description: 'Duration of a publish, until the broker acknowledged it.',
      unit: 's',
      advice,
    });
    this.deadLetterMessages = meter.createCounter(MessagingMetricNames.DEAD_LETTER_MESSAGES, {
      description: 'Messages moved to the dead-letter stream.',
      unit: '{message}',
    });
    this.settledMessages = meter.createCounter(MessagingMetricNames.SETTLED_MESSAGES, {
      description: 'Consumed messages by settlement outcome (ack, nak, term, dlq).',
      unit: '{message}',
    });
  }
}

/** Seconds elapsed since a `performance.now()` reading. */
export function secondsSince(startMs: number): number {
  return (performance.now() - startMs) / 1000;
}
