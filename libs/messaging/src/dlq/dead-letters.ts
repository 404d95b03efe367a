/**
 * Inspect and replay the dead-letter stream (`DLQ`, subjects `dlq.<service>.<original subject>`). The logic behind
 * `npm run dlq`, kept apart from argument parsing so tests drive it directly.
 *
 * A replay republishes the original bytes to the original subject under a NEW `Nats-Msg-Id` (the original id is
 * still inside the owning stream's duplicate window more often than not, and would be dropped), keeps application
 * headers such as `traceparent`/`tracestate`/`baggage`, records the replay in `dlq-replayed-*` headers, and deletes the
 * DLQ entry only after the owning stream acknowledged the publish. The new id is derived from the DLQ sequence, so a
 * replay retried after a lost delete (within the duplicate window) is stored once.
 */
import { connect, headers as createHeaders, type JetStreamManager, type MsgHdrs, type MsgRequest, type NatsConnection, type StoredMsg } from 'nats';

import { isNotFound } from '../errors/jetstream-api';
import { DLQ_STREAM_NAME, DLQ_SUBJECT_PREFIX, DlqHeaders } from '../messaging.constants';

/** Headers a replay adds to the republished message. */
export const DlqReplayHeaders = {
  /** DLQ stream sequence the message was replayed from. */
  ReplayedFrom: 'dlq-replayed-from',
  ReplayedAt: 'dlq-replayed-at',
  /** The dead letter's error, for whoever sees the replayed message fail again. */
  PreviousError: 'dlq-previous-error',
} as const;

/** A failure with a process exit code: 2 bad input, 3 not found, 1 anything else. */
export class DlqError extends Error {
  override readonly name = 'DlqError';
  constructor(
    message: string,
    readonly exitCode: 1 | 2 | 3 = 1,
  ) {
    super(message);
  }
}

/** One dead letter as stored. */
export interface DeadLetter {
  seq: number;
  /** `dlq.<service>.<original subject>`. */
  subject: string;
  /** When it was stored in the DLQ. */
  time: Date;
  originalSubject?: string;
  originalStream?: string;
  originalSeq?: number;
  originalMsgId?: string;
  consumer?: string;
  deliveryCount?: number;
  error?: string;
  headers: Record<string, string[]>;
  data: Uint8Array;
}

export interface ReplayResult {
  seq: number;
  subject: string;
  /** Stream and sequence the replayed message was stored at. */
  stream: string;
  streamSeq: number;
  msgId: string;
  /** True when the owning stream had already stored this replay (a retried replay). */
  duplicate: boolean;
}

/**
 * The DLQ subject filter for `--subject`: an original subject (wildcards allowed, e.g. `orders.*`) becomes
 * `dlq.*.<subject>`; a filter already starting with `dlq.` is used as is; none means every dead letter.
 */
export function dlqFilter(subject?: string): string {
  if (!subject) return `${DLQ_SUBJECT_PREFIX}.>`;
  const trimmed = subject.trim();
  const tokens = trimmed.split('.');
  const valid = tokens.every((t, i) => t.length > 0 && !/\s/.test(t) && (t === '*' || (t === '>' && i === tokens.length - 1) || !/[*>]/.test(t)));
  if (!valid) throw new DlqError(`invalid subject filter "${subject}" (NATS subject, * and > allowed as whole tokens)`, 2);
  return trimmed === `${DLQ_SUBJECT_PREFIX}` || trimmed.startsWith(`${DLQ_SUBJECT_PREFIX}.`) ? trimmed : `${DLQ_SUBJECT_PREFIX}.*.${trimmed}`;
}

function headerRecord(h: MsgHdrs | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (!h) return out;
  for (const key of h.keys()) out[key] = h.values(key);
  return out;
}

function toDeadLetter(m: { seq: number; subject: string; time: Date; header?: MsgHdrs; data: Uint8Array }): DeadLetter {
  const h = m.header;
  const get = (k: string) => (h?.has(k) ? h.get(k) : undefined);
  const num = (k: string) => {
    const v = get(k);
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
  };
  return {
    seq: m.seq,
    subject: m.subject,
    time: m.time,
    originalSubject: get(DlqHeaders.OriginalSubject) ?? m.subject.split('.').slice(2).join('.'),
    originalStream: get(DlqHeaders.OriginalStream),
    originalSeq: num(DlqHeaders.StreamSeq),
    originalMsgId: get(DlqHeaders.OriginalMsgId),
    consumer: get(DlqHeaders.Consumer),
    deliveryCount: num(DlqHeaders.DeliveryCount),
    error: get(DlqHeaders.Error) ?? get(DlqHeaders.Reason),
    headers: headerRecord(h),
    data: m.data,
  };
}

export interface ConnectOptions {
  /** Comma-separated server URLs; default `nats://127.0.0.1:4222`. */
  natsUrl?: string;
  /** Connection timeout, default 3000 ms. */
  timeoutMs?: number;
  stream?: string;
  /** NATS credentials; with per-service users (docker/nats/nats-server.conf), the `ops` user's. */
  token?: string;
  user?: string;
  pass?: string;
}

/** Dead-letter operations against one NATS server. */
export class DeadLetterStore {
  private constructor(
    readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    readonly stream: string,
    private readonly ownsConnection: boolean,
  ) {}

  /** Connects (no reconnect: a CLI fails fast) and returns a store; rejects with a DlqError when NATS is unreachable. */
  static async connect(options: ConnectOptions = {}): Promise<DeadLetterStore> {
    const natsUrl = options.natsUrl || 'nats://127.0.0.1:4222';
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: natsUrl.split(',').map((s) => s.trim()),
        name: 'dlq-cli',
        timeout: options.timeoutMs ?? 3000,
        reconnect: false,
        token: options.token || undefined,
        user: options.user || undefined,
        pass: options.pass || undefined,
      });
    } catch (error) {
      throw new DlqError(`cannot connect to NATS at ${natsUrl}: ${(error as Error).message}`, 1);
    }
    return DeadLetterStore.over(nc, options.stream, true);
  }

  /** Uses an existing connection (left open by close()). */
  static async over(nc: NatsConnection, stream = DLQ_STREAM_NAME, ownsConnection = false): Promise<DeadLetterStore> {
    const jsm = await nc.jetstreamManager({ timeout: 5000 }).catch((error: unknown) => {
      throw new DlqError(`JetStream is not available: ${(error as Error).message}`, 1);
    });
    return new DeadLetterStore(nc, jsm, stream, ownsConnection);
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await this.nc.close().catch(() => undefined);
  }

  /** Number of dead letters matching the filter (0 when the DLQ stream does not exist). */
  count(subject?: string): Promise<number> {
    return countDeadLetters(this.jsm, this.stream, dlqFilter(subject));
  }

  /** Dead letters in sequence order (oldest first), at most `limit`. */
  async list(options: { subject?: string; limit?: number } = {}): Promise<DeadLetter[]> {
    const filter = dlqFilter(options.subject);
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const total = await this.count(options.subject);
    if (total === 0 || limit <= 0) return [];
    const want = Math.min(total, limit);
    const out: DeadLetter[] = [];
    for (const m of await scanStream(this.jsm, this.stream, filter, want)) {
      out.push(toDeadLetter({ seq: m.seq, subject: m.subject, time: m.time, header: m.header, data: m.data }));
    }
    return out;
  }

  /** One dead letter; DlqError(3) when there is none at that sequence. */
  async get(seq: number): Promise<DeadLetter> {
    if (!Number.isSafeInteger(seq) || seq < 1) throw new DlqError(`invalid sequence "${seq}": expected a positive integer`, 2);
    let stored: StoredMsg;
    try {
      stored = await this.jsm.streams.getMessage(this.stream, { seq });
    } catch (error) {
      if (isNotFound(error)) throw new DlqError(`no dead letter with sequence ${seq} in stream ${this.stream}`, 3);
      throw error;
    }
    return toDeadLetter({ seq: stored.seq, subject: stored.subject, time: stored.time, header: stored.header, data: stored.data });
  }

  /**
   * Republishes one dead letter to its original subject and deletes it from the DLQ once the publish is acked.
   * The entry stays in the DLQ when the publish fails.
   */
  async replay(seq: number): Promise<ReplayResult> {
    const letter = await this.get(seq);
    const subject = letter.originalSubject;
    if (!subject) throw new DlqError(`dead letter ${seq} has no ${DlqHeaders.OriginalSubject} header`, 1);
    const h = createHeaders();
    for (const [key, values] of Object.entries(letter.headers)) {
      // JetStream control headers and the previous failure's dlq-* headers stay behind; application headers
      // (traceparent, tracestate, baggage, ...) travel with the replay.
      if (/^nats-/i.test(key) || /^dlq-/i.test(key)) continue;
      for (const value of values) h.append(key, value);
    }
    h.set(DlqReplayHeaders.ReplayedFrom, String(seq));
    h.set(DlqReplayHeaders.ReplayedAt, new Date().toISOString());
    if (letter.error) h.set(DlqReplayHeaders.PreviousError, letter.error.replace(/[\r\n]+/g, ' ').slice(0, 512));
    const msgId = `${letter.originalMsgId ?? `${letter.originalStream ?? 'unknown'}-${letter.originalSeq ?? 0}`}:replay:${this.stream}-${seq}`;
    let ack;
    try {
      ack = await this.nc.jetstream().publish(subject, letter.data, { headers: h, msgID: msgId, timeout: 10_000 });
    } catch (error) {
      throw new DlqError(`could not republish dead letter ${seq} to ${subject} (left in the DLQ): ${(error as Error).message}`, 1);
    }
    try {
      await this.jsm.streams.deleteMessage(this.stream, seq, false);
    } catch (error) {
      if (!isNotFound(error)) {
        throw new DlqError(
          `republished dead letter ${seq} to ${subject} (${ack.stream} #${ack.seq}) but could not delete it from the DLQ: ${(error as Error).message}; ` +
            'replaying it again within the duplicate window is harmless',
          1,
        );
      }
    }
    return { seq, subject, stream: ack.stream, streamSeq: ack.seq, msgId, duplicate: ack.duplicate };
  }

  /** Replays every dead letter matching the filter, oldest first; stops at the first failure (reported with what was done). */
  async replayAll(
    options: { subject?: string; limit?: number } = {},
  ): Promise<{ replayed: ReplayResult[]; failed?: { seq: number; error: string } }> {
    const letters = await this.list(options);
    const replayed: ReplayResult[] = [];
    for (const letter of letters) {
      try {
        replayed.push(await this.replay(letter.seq));
      } catch (error) {
        return { replayed, failed: { seq: letter.seq, error: (error as Error).message } };
      }
    }
    return { replayed };
  }

  /** Deletes every dead letter matching the filter; returns how many were removed. */
  async purge(subject?: string): Promise<number> {
    const filter = dlqFilter(subject);
    try {
      const response = await this.jsm.streams.purge(this.stream, filter === `${DLQ_SUBJECT_PREFIX}.>` ? undefined : { filter });
      return response.purged;
    } catch (error) {
      if (isNotFound(error)) return 0;
      throw error;
    }
  }
}

/**
 * Messages stored in `stream` under subjects matching `filter` (0 when the stream does not exist): one stream info
 * request whose per-subject counts the server adds up for us. Used by `npm run dlq` and the DLQ depth gauge.
 */
export async function countDeadLetters(jsm: JetStreamManager, stream: string, filter: string): Promise<number> {
  try {
    const info = await jsm.streams.info(stream, { subjects_filter: filter });
    return Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0);
  } catch (error) {
    if (isNotFound(error)) return 0;
    throw error;
  }
}

/**
 * The messages of a stream matching `filter`, oldest first, at most `limit`: one direct `STREAM.MSG.GET` with
 * `next_by_subj` per message. (Ordered consumers would be cheaper for huge streams, but nats.js 2.29 sends them
 * `filter_subjects`, which nats-server 2.9 ignores silently: the consumer never delivers.)
 */
export async function scanStream(jsm: JetStreamManager, stream: string, filter = '>', limit = Number.POSITIVE_INFINITY): Promise<StoredMsg[]> {
  const out: StoredMsg[] = [];
  let seq = 1;
  while (out.length < limit) {
    let m: StoredMsg;
    try {
      m = await jsm.streams.getMessage(stream, { next_by_subj: filter, seq } as unknown as MsgRequest);
    } catch (error) {
      if (isNotFound(error) || /no message found/i.test((error as Error).message)) break;
      throw error;
    }
    out.push(m);
    seq = m.seq + 1;
  }
  return out;
}
