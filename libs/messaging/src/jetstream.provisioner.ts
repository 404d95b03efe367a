import { Logger } from '@nestjs/common';
import {
  AckPolicy,
  type ConsumerInfo,
  DiscardPolicy,
  type JetStreamManager,
  nanos,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
  type StreamInfo,
} from 'nats';

import { isNotFound, isPermissionDenied } from './errors/jetstream-api';
import { isTransientJetStreamError, replicaPlacementError, StreamConfigConflictError, StreamReplicasError } from './errors/messaging.errors';
import { consumerConfig, type ConsumerProvisioning, DLQ_STREAM_SPEC } from './jetstream.topology';
import { DEFAULTS } from './messaging.constants';
import type { StreamSpec } from './messaging.options';
import { describe, sleep } from './messaging.utils';
import type { NatsConnectionManager } from './nats-connection.manager';

export { type ConsumerProvisioning, DLQ_STREAM_SPEC } from './jetstream.topology';

/** Start-up provisioning state: 'pending' until owned streams exist, 'failed' on a conflict. */
export interface ProvisioningStatus {
  state: 'pending' | 'ready' | 'failed';
  error?: string;
}

/** Attempts at start-up before a cluster that cannot place the replicas counts as too small (not a node away). */
const REPLICA_PLACEMENT_ATTEMPTS = 5;

/**
 * Creates or updates streams and consumers declared in code, idempotently, only the streams a service owns; a
 * non-editable difference is a `StreamConfigConflictError`, left untouched. Every stream (DLQ too) gets `replicas`
 * replicas, a running one is scaled in place; consumers have no count of their own, so they follow their stream.
 */
export class JetStreamProvisioner {
  private readonly logger = new Logger('JetStreamProvisioner');

  private provisioned: Promise<void> = Promise.resolve();
  private state: ProvisioningStatus = { state: 'ready' };

  constructor(
    private readonly connection: NatsConnectionManager,
    private readonly replicas = 1,
  ) {}

  /** Where start-up provisioning of owned streams stands (for health). */
  status(): ProvisioningStatus {
    return { ...this.state };
  }

  /** Resolves once owned streams are provisioned; rejects when provisioning failed for good (a conflict). */
  whenProvisioned(): Promise<void> {
    return this.provisioned;
  }

  /**
   * Provisions once NATS is reachable, without blocking start-up: transient failures are retried with back-off, a
   * conflict is logged and reported by `status()` (it needs a human, not a retry).
   */
  provisionInBackground(streams: StreamSpec[], withDlq: boolean): void {
    this.state = { state: 'pending' };
    this.provisioned = (async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.connection.ready();
          await this.ensureStreams(streams, withDlq);
          this.state = { state: 'ready' };
          return;
        } catch (error) {
          const hopeless =
            error instanceof StreamConfigConflictError ||
            (error instanceof StreamReplicasError && (error.definitive || attempt >= REPLICA_PLACEMENT_ATTEMPTS)) ||
            this.connection.status.state === 'closed';
          if (hopeless) {
            this.state = { state: 'failed', error: describe(error) };
            this.logger.error(`stream provisioning failed: ${describe(error)}`);
            throw error;
          }
          // The same reason again is no news: logged once (then at debug), so a long outage does not flood the logs.
          const repeated = this.state.error === describe(error);
          this.state = { state: 'pending', error: describe(error) };
          const line = `stream provisioning attempt ${attempt} failed (${describe(error)}); retrying`;
          if (repeated) this.logger.debug(line);
          else this.logger.warn(line);
          await sleep(Math.min(30_000, 1000 * attempt));
        }
      }
    })();
    // Observed by whenProvisioned()/status(); never an unhandled rejection.
    this.provisioned.catch(() => undefined);
  }

  /**
   * Ensures each owned stream (and the DLQ stream when asked); throws on the first conflict. A JetStream answering
   * 503 or timing out (a new cluster without a meta leader yet) is waited for up to `waitMs`, retrying the whole set.
   */
  async ensureStreams(streams: StreamSpec[], withDlq: boolean, waitMs: number = DEFAULTS.jetStreamWaitMs): Promise<StreamInfo[]> {
    const deadline = Date.now() + waitMs;
    for (let attempt = 1; ; attempt++) {
      try {
        const result: StreamInfo[] = [];
        for (const spec of [...streams, ...(withDlq ? [DLQ_STREAM_SPEC] : [])]) result.push(await this.ensureStream(spec, spec !== DLQ_STREAM_SPEC));
        return result;
      } catch (error) {
        if (!isTransientJetStreamError(error) || Date.now() >= deadline) throw error;
        if (attempt === 1)
          this.logger.warn(`JetStream is not answering yet (${describe(error)}); waiting up to ${Math.round(waitMs / 1000)} s for it`);
        await sleep(Math.min(2000, 250 * attempt));
      }
    }
  }

  /**
   * Creates the stream or brings its editable settings up to the declaration. `owned: false` (the shared DLQ) is
   * created when missing, but an existing one whose settings this NATS user may not update is left as it is: with
   * per-service users (docker/nats/nats-server.conf) only ops changes the DLQ.
   */
  async ensureStream(spec: StreamSpec, owned = true): Promise<StreamInfo> {
    const jsm = await this.connection.jetstreamManager();
    const duplicateWindowMs = Math.max(spec.duplicateWindowMs ?? DEFAULTS.duplicateWindowMs, DEFAULTS.duplicateWindowMs);
    const wanted: Partial<StreamConfig> = {
      name: spec.name,
      subjects: [...spec.subjects],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      duplicate_window: nanos(duplicateWindowMs),
      max_age: spec.maxAgeMs ? nanos(spec.maxAgeMs) : 0,
      description: spec.description,
      num_replicas: this.replicas,
    };
    const existing = await this.streamInfo(jsm, spec.name);
    if (!existing) {
      try {
        const created = await jsm.streams.add(wanted);
        this.logger.log(`created stream ${spec.name} on ${spec.subjects.join(', ')} (${this.replicas} replica${this.replicas === 1 ? '' : 's'})`);
        return created;
      } catch (error) {
        const placement = replicaPlacementError(error, spec.name, this.replicas);
        if (placement) throw placement;
        // Another replica of the owner created it at the same moment: fall through to the comparison.
        const raced = await this.streamInfo(jsm, spec.name);
        if (!raced) throw new Error(`could not create stream ${spec.name}: ${describe(error)}`, { cause: error });
        return this.reconcileStream(jsm, spec, raced, wanted, owned);
      }
    }
    return this.reconcileStream(jsm, spec, existing, wanted, owned);
  }

  /** Stream name capturing `subject`, waiting (with a log line) until its owner has created it. */
  async waitForStream(
    subject: string,
    shouldStop: () => boolean = () => false,
    retryMs: number = DEFAULTS.streamWaitMs,
  ): Promise<string | undefined> {
    let logged = false;
    while (!shouldStop()) {
      try {
        const jsm = await this.connection.jetstreamManager();
        return await jsm.streams.find(subject);
      } catch (error) {
        if (!logged) {
          this.logger.warn(`no stream captures ${subject} yet (${describe(error)}); waiting for its owner to create it`);
          logged = true;
        }
        await sleep(retryMs);
      }
    }
    return undefined;
  }

  /** Creates the durable consumer or updates its editable settings; a different filter or ack policy is a conflict. */
  async ensureConsumer(stream: string, durable: string, subject: string, settings: ConsumerProvisioning): Promise<ConsumerInfo> {
    const jsm = await this.connection.jetstreamManager();
    const wanted = consumerConfig(durable, subject, settings);
    let existing: ConsumerInfo | undefined;
    try {
      existing = await jsm.consumers.info(stream, durable);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    if (!existing) {
      try {
        const created = await jsm.consumers.add(stream, wanted);
        this.logger.log(`created consumer ${durable} on ${stream} (${subject})`);
        return created;
      } catch (error) {
        existing = await jsm.consumers.info(stream, durable).catch(() => undefined);
        if (!existing) throw new Error(`could not create consumer ${durable} on ${stream}: ${describe(error)}`, { cause: error });
      }
    }
    const config = existing.config;
    const differences: { field: string; expected: unknown; actual: unknown }[] = [];
    if ((config.filter_subject ?? '') !== subject) differences.push({ field: 'filter_subject', expected: subject, actual: config.filter_subject });
    if (config.ack_policy !== AckPolicy.Explicit) differences.push({ field: 'ack_policy', expected: AckPolicy.Explicit, actual: config.ack_policy });
    if (config.deliver_subject) differences.push({ field: 'deliver_subject (push consumer)', expected: undefined, actual: config.deliver_subject });
    if (differences.length > 0) throw new StreamConfigConflictError(`consumer ${durable} on stream ${stream}`, differences);
    if (
      config.ack_wait !== wanted.ack_wait ||
      config.max_deliver !== wanted.max_deliver ||
      (config.max_ack_pending ?? 0) < (wanted.max_ack_pending ?? 0)
    ) {
      const updated = await jsm.consumers.update(stream, durable, {
        ack_wait: wanted.ack_wait,
        max_deliver: wanted.max_deliver,
        max_ack_pending: Math.max(config.max_ack_pending ?? 0, wanted.max_ack_pending ?? 0),
      });
      this.logger.log(`updated consumer ${durable} on ${stream} (ack_wait/max_deliver)`);
      return updated;
    }
    return existing;
  }

  private async streamInfo(jsm: JetStreamManager, name: string): Promise<StreamInfo | undefined> {
    try {
      return await jsm.streams.info(name);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  private async reconcileStream(
    jsm: JetStreamManager,
    spec: StreamSpec,
    existing: StreamInfo,
    wanted: Partial<StreamConfig>,
    owned: boolean,
  ): Promise<StreamInfo> {
    const config = existing.config;
    const differences: { field: string; expected: unknown; actual: unknown }[] = [];
    const sameSubjects =
      config.subjects.length === spec.subjects.length && [...config.subjects].sort().join('\n') === [...spec.subjects].sort().join('\n');
    if (!sameSubjects) differences.push({ field: 'subjects', expected: spec.subjects, actual: config.subjects });
    if (config.storage !== StorageType.File) differences.push({ field: 'storage', expected: StorageType.File, actual: config.storage });
    if (config.retention !== RetentionPolicy.Limits)
      differences.push({ field: 'retention', expected: RetentionPolicy.Limits, actual: config.retention });
    if (differences.length > 0) throw new StreamConfigConflictError(`stream ${spec.name}`, differences);

    const update: Partial<StreamConfig> = {};
    if ((config.duplicate_window ?? 0) < (wanted.duplicate_window ?? 0)) update.duplicate_window = wanted.duplicate_window;
    if (spec.maxAgeMs !== undefined && config.max_age !== wanted.max_age) update.max_age = wanted.max_age;
    if (spec.description !== undefined && config.description !== spec.description) update.description = spec.description;
    const replicas = config.num_replicas || 1;
    if (replicas !== this.replicas) {
      // A server that is not clustered accepts num_replicas 3 in an update and keeps one copy: refuse it here instead.
      if (this.replicas > 1 && !existing.cluster) throw new StreamReplicasError(spec.name, this.replicas, 'the NATS server is not clustered', true);
      update.num_replicas = this.replicas;
    }
    if (Object.keys(update).length === 0) return existing;
    let updated: StreamInfo;
    try {
      updated = await jsm.streams.update(spec.name, update);
    } catch (error) {
      const placement = replicaPlacementError(error, spec.name, this.replicas);
      if (placement) throw placement;
      if (owned || !isPermissionDenied(error)) throw error;
      const scaleHint = update.num_replicas
        ? ` (scale it with a user that may, e.g. ops: nats stream edit ${spec.name} --replicas ${this.replicas})`
        : '';
      this.logger.warn(
        `stream ${spec.name} differs from this service's declaration (${Object.keys(update).join(', ')}); this NATS user may not update it, so it stays as it is${scaleHint}`,
      );
      return existing;
    }
    // A warning, not detail: where the stream's copies live changed, which an operator should see at any log level.
    if (update.num_replicas)
      this.logger.warn(
        `scaled stream ${spec.name} from ${replicas} to ${this.replicas} replica${this.replicas === 1 ? '' : 's'} (NATS_STREAM_REPLICAS)`,
      );
    const others = Object.keys(update).filter((field) => field !== 'num_replicas');
    if (others.length > 0) this.logger.log(`updated stream ${spec.name}: ${others.join(', ')}`);
    return updated;
  }
}
