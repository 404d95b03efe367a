/**
 * Thrown by a handler for a failure that retrying will not fix (invalid business input, unknown aggregate). The
 * transport dead-letters the message and terms it instead of nak'ing. Anything else thrown counts as transient.
 * `permanent: true` lets other layers recognise it by shape (see persistence's `isBrokerRejection`).
 */
export class PermanentError extends Error {
  override readonly name: string = 'PermanentError';
  readonly permanent = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** True for a `PermanentError` or any error flagged `permanent: true`. */
export function isPermanentError(error: unknown): boolean {
  if (error instanceof PermanentError) return true;
  return typeof error === 'object' && error !== null && (error as { permanent?: unknown }).permanent === true;
}

/** The JetStream ack for a publish did not arrive in time (transient; safe to retry with the same msgId). */
export class PublishTimeoutError extends Error {
  override readonly name = 'PublishTimeoutError';

  constructor(
    readonly subject: string,
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(`publish to ${subject} was not acknowledged within ${timeoutMs} ms`, options);
  }
}

/** No stream captures the subject (a provisioning problem, not an outage). */
export class NoStreamError extends Error {
  override readonly name = 'NoStreamError';

  constructor(
    readonly subject: string,
    options?: { cause?: unknown },
  ) {
    super(`no JetStream stream captures subject ${subject}`, options);
  }
}

/**
 * A stream captures the subject but no stream leader answered: a JetStream cluster electing a new leader (a node
 * was lost or restarted). Transient, unlike `NoStreamError`: retry with the same msgId once the election is over.
 */
export class StreamUnavailableError extends Error {
  override readonly name = 'StreamUnavailableError';

  constructor(
    readonly subject: string,
    readonly stream: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(`no leader of stream ${stream ?? '(lookup failed)'} answered a publish to ${subject} (JetStream cluster electing a leader?)`, options);
  }
}

/** The NATS connection is closed or draining; nothing can be published any more. */
export class ConnectionClosedError extends Error {
  override readonly name = 'ConnectionClosedError';

  constructor(message = 'NATS connection is closed', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** An existing stream or consumer differs from the declaration in code; it is reported, never overwritten. */
export class StreamConfigConflictError extends Error {
  override readonly name = 'StreamConfigConflictError';

  constructor(
    readonly resource: string,
    readonly differences: { field: string; expected: unknown; actual: unknown }[],
  ) {
    super(
      `${resource} exists with a conflicting configuration (not modified): ` +
        differences.map((d) => `${d.field}: expected ${JSON.stringify(d.expected)}, found ${JSON.stringify(d.actual)}`).join('; '),
    );
  }
}

/**
 * The stream replica setting (`streamReplicas`, NATS_STREAM_REPLICAS) asks for more replicas than the NATS servers can
 * place: a single server (not clustered) takes 1, a cluster at most its JetStream server count. `definitive` is true
 * for a server that is not clustered at all (no retry can help); a cluster short of peers may be missing a node for a
 * moment, so provisioning retries that a few times before it gives up.
 */
export class StreamReplicasError extends Error {
  override readonly name = 'StreamReplicasError';

  constructor(
    readonly stream: string,
    readonly replicas: number,
    readonly reason: string,
    readonly definitive: boolean,
    options?: { cause?: unknown },
  ) {
    super(
      `stream ${stream}: NATS_STREAM_REPLICAS (streamReplicas) is ${replicas}, which the NATS servers cannot place (${reason}); ` +
        'set it to at most the number of JetStream servers in the cluster (1 for a single server)',
      options,
    );
  }
}

/**
 * A JetStream API failure that passes by itself: no responders or a timeout (a cluster without a meta leader yet, or
 * between stream leaders), or "JetStream system temporarily unavailable" (10008). A server with JetStream disabled
 * is not one of them (`JetStreamDisabledError`).
 */
export function isTransientJetStreamError(error: unknown): boolean {
  if (error instanceof JetStreamDisabledError) return false;
  const e = error as { code?: unknown; api_error?: { code?: number; err_code?: number } } | undefined;
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  return (
    e?.code === '503' ||
    e?.code === 'TIMEOUT' ||
    e?.api_error?.code === 503 ||
    e?.api_error?.err_code === 10008 ||
    (cause !== undefined && isTransientJetStreamError(cause))
  );
}

/** JetStream API error codes that mean "cannot place this many replicas". */
const REPLICA_PLACEMENT_ERRORS: Record<number, boolean> = {
  // replicas > 1 not supported in non-clustered mode: definitive
  10074: true,
  // no suitable peers for placement / insufficient resources: the cluster is smaller than asked, or a node is away
  10005: false,
  10023: false,
};

/** A `StreamReplicasError` for a stream create/update refused for its replica count, else undefined. */
export function replicaPlacementError(error: unknown, stream: string, replicas: number): StreamReplicasError | undefined {
  const api = (error as { api_error?: { err_code?: number; description?: string } } | undefined)?.api_error;
  const code = api?.err_code;
  if (replicas <= 1 || code === undefined || !(code in REPLICA_PLACEMENT_ERRORS)) return undefined;
  return new StreamReplicasError(stream, replicas, api?.description ?? `JetStream error ${code}`, REPLICA_PLACEMENT_ERRORS[code], { cause: error });
}

/**
 * The NATS server answers but runs without JetStream (Debian's `nats-server` service does, for one): nothing
 * can be provisioned, published or consumed until it is restarted with `-js`. Retrying does not help; a human must.
 */
export class JetStreamDisabledError extends Error {
  override readonly name = 'JetStreamDisabledError';

  constructor(
    readonly server: string,
    options?: { cause?: unknown },
  ) {
    super(`the NATS server at ${server} has JetStream disabled; start it with -js (or a jetstream {} block in its configuration)`, options);
  }
}

/** True for the 503 "no responders" a JetStream API request gets from a server without JetStream. */
export function isJetStreamDisabled(error: unknown, serverInfo: { jetstream?: boolean } | undefined): boolean {
  return (error as { code?: unknown } | undefined)?.code === '503' && serverInfo !== undefined && serverInfo.jetstream !== true;
}
