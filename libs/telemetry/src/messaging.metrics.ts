import { Injectable } from '@nestjs/common';
import { type Attributes, type Counter, type Histogram, type Meter, metrics } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';

import {
  INSTRUMENTATION_SCOPE,
  MESSAGING_DURATION_BUCKETS_SECONDS,
  MESSAGING_SYSTEM_NATS,
  MessagingAttributes as A,
  MessagingMetricNames,
  MessagingOperationType,
} from './telemetry.constants';

/**
 * The messaging instruments, created once from the global meter provider. Instruments taken from the API before a
 * provider is registered stay no-ops for good (the metrics API has no proxy), which is why the SDK starts before
 * Nest builds this class.
 */
@Injectable()
export class MessagingMetrics {
  readonly sentMessages: TallyCounter;
  readonly consumedMessages: TallyCounter;
  readonly processDuration: Histogram;
  readonly operationDuration: Histogram;
  readonly deadLetterMessages: Counter;

  constructor() {
    const meter = metrics.getMeter(INSTRUMENTATION_SCOPE);
    const advice = { explicitBucketBoundaries: [...MESSAGING_DURATION_BUCKETS_SECONDS] };
    this.sentMessages = new TallyCounter(meter, MessagingMetricNames.SENT_MESSAGES, 'Messages a producer attempted to publish to the broker.');
    // One count per delivery, when it is settled, labelled with the outcome (ack, nak, term, dlq).
    this.consumedMessages = new TallyCounter(
      meter,
      MessagingMetricNames.CONSUMED_MESSAGES,
      'Messages delivered to a handler, by settlement outcome.',
    );
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
  }
}

/**
 * A monotonic counter for the per-message path: `add` bumps a plain number kept per attribute set, and the SDK reads
 * the totals when it collects (an observable counter), instead of hashing the attributes on every message as a
 * synchronous counter does. The attribute sets must be the cached objects of `consumerAttributes`/`sendAttributes`,
 * so there is one entry per consumer, subject and outcome.
 */
export class TallyCounter {
  private readonly totals = new Map<Attributes, number>();

  constructor(meter: Meter, name: string, description: string) {
    meter.createObservableCounter(name, { description, unit: '{message}' }).addCallback((result) => {
      for (const [attributes, total] of this.totals) result.observe(total, attributes);
    });
  }

  add(value: number, attributes: Attributes): void {
    this.totals.set(attributes, (this.totals.get(attributes) ?? 0) + value);
  }
}

/** Seconds elapsed since a `performance.now()` reading. */
export function secondsSince(startMs: number): number {
  return (performance.now() - startMs) / 1000;
}

/** Attribute sets are built once per consumer (and outcome) and reused: they are on the per-message path. */
const attributeCache = new Map<string, Attributes>();

/** The attributes of a consumer's process metrics: system, destination, operation, consumer group. */
export function consumerAttributes(subject: string, consumer: string | undefined): Attributes {
  const key = `${subject}\u0000${consumer ?? ''}`;
  let attributes = attributeCache.get(key);
  if (!attributes) {
    attributes = { [A.SYSTEM]: MESSAGING_SYSTEM_NATS, [A.DESTINATION_NAME]: subject, [A.OPERATION_NAME]: MessagingOperationType.PROCESS };
    if (consumer) attributes[A.CONSUMER_GROUP_NAME] = consumer;
    attributeCache.set(key, attributes);
  }
  return attributes;
}

/** `consumerAttributes` plus the settlement outcome (`messaging.nats.outcome`). */
export function settledAttributes(subject: string, consumer: string, outcome: string): Attributes {
  const key = `${subject}\u0000${consumer}\u0000${outcome}`;
  let attributes = attributeCache.get(key);
  if (!attributes) {
    attributes = { ...consumerAttributes(subject, consumer), [A.NATS_OUTCOME]: outcome };
    attributeCache.set(key, attributes);
  }
  return attributes;
}

/** The attributes of a publish's metrics (system, destination, operation), with `error.type` when it failed. */
export function sendAttributes(subject: string, errorType?: string): Attributes {
  const key = `send\u0000${subject}\u0000${errorType ?? ''}`;
  let attributes = attributeCache.get(key);
  if (!attributes) {
    attributes = { [A.SYSTEM]: MESSAGING_SYSTEM_NATS, [A.DESTINATION_NAME]: subject, [A.OPERATION_NAME]: MessagingOperationType.SEND };
    if (errorType) attributes[ATTR_ERROR_TYPE] = errorType;
    attributeCache.set(key, attributes);
  }
  return attributes;
}
