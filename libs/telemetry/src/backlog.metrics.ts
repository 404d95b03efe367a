import { Logger } from '@nestjs/common';
import { type Attributes, type BatchObservableCallback, type Meter, metrics, type ObservableGauge } from '@opentelemetry/api';

import { PolledReading } from './polled-reading';
import { BacklogMetricNames as N, INSTRUMENTATION_SCOPE, MESSAGING_SYSTEM_NATS, MessagingAttributes as A } from './telemetry.constants';

/** One durable consumer's backlog as the server reports it. */
export interface ConsumerLag {
  stream: string;
  durable: string;
  subject: string;
  /** Messages not yet delivered. */
  pending: number;
  /** Delivered, not yet acknowledged. */
  ackPending: number;
}

/** The service's outbox: rows waiting to be published. */
export interface OutboxLag {
  unsent: number;
  oldestAgeSeconds: number;
}

/** Dead letters a service parked in the DLQ stream. */
export interface DeadLetterDepth {
  service: string;
  depth: number;
}

/**
 * Where the backlog gauges read from; each is optional (a service without consumers has no lag). A source rejects
 * when it cannot tell: its series then keep their last value until it is stale, and read NaN after that.
 */
export interface BacklogSources {
  consumers?: () => Promise<ConsumerLag[]>;
  outbox?: () => Promise<OutboxLag>;
  deadLetters?: () => Promise<DeadLetterDepth>;
}

export interface BacklogMetricsOptions {
  /** How often the sources are read in the background (default 5000 ms). */
  intervalMs?: number;
  /** Bound of one read (default 2000 ms, at most the interval). */
  timeoutMs?: number;
}

/**
 * The backlog gauges of `BacklogMetricNames`: consumer lag, outbox backlog, DLQ depth. The sources are read in the
 * background every `intervalMs`, each read bounded by `timeoutMs`, and the gauges report the last readings when the
 * SDK collects (a Prometheus scrape): a scrape never waits on NATS or the database, and an outage of either can
 * neither hang nor fail `/metrics`. A reading older than three intervals (or a consumer missing from the last one)
 * is reported as NaN: unknown, rather than a stale number that alerts would trust.
 */
export class BacklogMetrics {
  private readonly logger = new Logger('BacklogMetrics');
  private readonly intervalMs: number;
  private readonly consumers?: PolledReading<ConsumerLag[]>;
  private readonly outbox?: PolledReading<OutboxLag>;
  private readonly deadLetters?: PolledReading<DeadLetterDepth>;
  private readonly gauges: Record<keyof typeof N, ObservableGauge>;
  private readonly observe: BatchObservableCallback;
  /**
   * The attribute sets reported so far, built once each. The SDK keeps exporting an attribute set of an observable
   * gauge after a callback stops observing it (cumulative temporality), so a series whose reading is missing or
   * stale is observed as NaN ("unknown"), never left at its last value.
   */
  private readonly consumerSeries = new Map<string, Attributes>();
  private readonly dlqSeries = new Map<string, Attributes>();
  private outboxSeen = false;
  private timer?: NodeJS.Timeout;

  constructor(
    sources: BacklogSources,
    options: BacklogMetricsOptions = {},
    private readonly meter: Meter = metrics.getMeter(INSTRUMENTATION_SCOPE),
  ) {
    this.intervalMs = options.intervalMs ?? 5000;
    const timeoutMs = Math.min(options.timeoutMs ?? 2000, this.intervalMs);
    const polling = { timeoutMs, staleAfterMs: 3 * this.intervalMs + timeoutMs };
    if (sources.consumers) this.consumers = new PolledReading('consumer info', sources.consumers, polling);
    if (sources.outbox) this.outbox = new PolledReading('outbox backlog', sources.outbox, polling);
    if (sources.deadLetters) this.deadLetters = new PolledReading('DLQ depth', sources.deadLetters, polling);

    const gauge = (name: string, description: string, unit: string) => meter.createObservableGauge(name, { description, unit });
    this.gauges = {
      CONSUMER_PENDING: gauge(N.CONSUMER_PENDING, 'Messages of a durable consumer not yet delivered (consumer lag).', '{message}'),
      CONSUMER_ACK_PENDING: gauge(N.CONSUMER_ACK_PENDING, 'Messages delivered to a durable consumer and not yet acknowledged.', '{message}'),
      DLQ_DEPTH: gauge(N.DLQ_DEPTH, 'Dead letters this service parked in the DLQ stream.', '{message}'),
      OUTBOX_ROWS: gauge(N.OUTBOX_ROWS, 'Outbox rows not yet published.', '{row}'),
      OUTBOX_OLDEST_AGE: gauge(N.OUTBOX_OLDEST_AGE, 'Age of the oldest unpublished outbox row; 0 when none waits.', 's'),
    };
    this.observe = (result) => {
      const consumers = new Map((this.consumers?.current() ?? []).map((lag) => [this.consumerAttributes(lag), lag]));
      for (const attributes of this.consumerSeries.values()) {
        const lag = consumers.get(attributes);
        result.observe(this.gauges.CONSUMER_PENDING, lag?.pending ?? NaN, attributes);
        result.observe(this.gauges.CONSUMER_ACK_PENDING, lag?.ackPending ?? NaN, attributes);
      }
      const outbox = this.outbox?.current();
      if (outbox || this.outboxSeen) {
        this.outboxSeen = true;
        result.observe(this.gauges.OUTBOX_ROWS, outbox?.unsent ?? NaN);
        result.observe(this.gauges.OUTBOX_OLDEST_AGE, outbox?.oldestAgeSeconds ?? NaN);
      }
      const dlq = this.deadLetters?.current();
      if (dlq) this.dlqAttributes(dlq.service);
      for (const [service, attributes] of this.dlqSeries) {
        result.observe(this.gauges.DLQ_DEPTH, dlq?.service === service ? dlq.depth : NaN, attributes);
      }
    };
    meter.addBatchObservableCallback(this.observe, Object.values(this.gauges));
  }

  /** Reads every source now, then every interval until `stop()`. The timer never keeps the process alive. */
  start(): void {
    if (this.timer) return;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops the background reads and unregisters the gauges' callback. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.meter.removeBatchObservableCallback(this.observe, Object.values(this.gauges));
  }

  /** Reads every source once (in parallel, each bounded); resolves when all settled, never rejects. */
  async refresh(): Promise<void> {
    const readings = [this.consumers, this.outbox, this.deadLetters].filter((reading) => reading !== undefined);
    await Promise.all(
      readings.map(async (reading) => {
        const failing = reading.failure !== undefined;
        await reading.refresh();
        // Once per change, not per interval: an outage would otherwise log every few seconds.
        if (!failing && reading.failure !== undefined) this.logger.warn(`${reading.name} unavailable for metrics: ${reading.failure}`);
        if (failing && reading.failure === undefined) this.logger.log(`${reading.name} available for metrics again`);
      }),
    );
  }

  private consumerAttributes(lag: ConsumerLag): Attributes {
    const key = `${lag.stream}\u0000${lag.durable}\u0000${lag.subject}`;
    let attributes = this.consumerSeries.get(key);
    if (!attributes) {
      attributes = {
        [A.SYSTEM]: MESSAGING_SYSTEM_NATS,
        [A.NATS_STREAM]: lag.stream,
        [A.CONSUMER_GROUP_NAME]: lag.durable,
        [A.DESTINATION_NAME]: lag.subject,
      };
      this.consumerSeries.set(key, attributes);
    }
    return attributes;
  }

  private dlqAttributes(service: string): Attributes {
    let attributes = this.dlqSeries.get(service);
    if (!attributes) {
      attributes = { [A.SYSTEM]: MESSAGING_SYSTEM_NATS, [A.NATS_DLQ_SERVICE]: service };
      this.dlqSeries.set(service, attributes);
    }
    return attributes;
  }
}
