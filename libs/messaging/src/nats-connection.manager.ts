import { readFileSync } from 'node:fs';

import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import {
  type Authenticator,
  connect,
  type ConnectionOptions,
  credsAuthenticator,
  DebugEvents,
  Events,
  type JetStreamClient,
  type JetStreamManager,
  type NatsConnection,
  nkeyAuthenticator,
} from 'nats';
import { BehaviorSubject, type Observable } from 'rxjs';

import { ConnectionClosedError, isJetStreamDisabled, JetStreamDisabledError } from './errors/messaging.errors';
import { DEFAULTS } from './messaging.constants';
import type { NatsConnectionOptions } from './messaging.options';
import { withTimeout } from './messaging.utils';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected' | 'closed';

/** Connection status snapshot for health checks and logs. */
export interface ConnectionStatus {
  state: ConnectionState;
  /** Server currently (or last) connected to. */
  server?: string;
  lastError?: string;
  /** When the state last changed (ms epoch). */
  since: number;
}

/** Builds the `nats` connect options from our config: servers, name, auth, TLS, reconnect forever with jitter. */
export function buildConnectionOptions(options: NatsConnectionOptions): ConnectionOptions {
  const servers = (Array.isArray(options.servers) ? options.servers : options.servers.split(',')).map((s) => s.trim()).filter((s) => s.length > 0);
  const authenticators: Authenticator[] = [];
  if (options.nkeySeed) authenticators.push(nkeyAuthenticator(new TextEncoder().encode(options.nkeySeed)));
  if (options.credsFile) {
    const file = options.credsFile;
    // Read on every (re)connect so rotated credentials are picked up without a restart.
    authenticators.push(credsAuthenticator(() => new Uint8Array(readFileSync(file))));
  }
  const result: ConnectionOptions = {
    servers,
    name: options.name,
    reconnect: true,
    maxReconnectAttempts: -1,
    waitOnFirstConnect: true,
    reconnectTimeWait: options.reconnectTimeWaitMs ?? DEFAULTS.reconnectTimeWaitMs,
    reconnectJitter: options.reconnectJitterMs ?? DEFAULTS.reconnectJitterMs,
    reconnectJitterTLS: options.reconnectJitterMs ?? DEFAULTS.reconnectJitterMs,
    // Without this the client captures a stack trace (new Error()) on every request, i.e. every JetStream publish
    // and API call: a tenth of the publisher's CPU in the benchmark. Our errors say what failed instead
    // (PublishTimeoutError names the subject and the timeout).
    noAsyncTraces: true,
  };
  if (options.token) result.token = options.token;
  if (options.user) result.user = options.user;
  if (options.pass) result.pass = options.pass;
  if (authenticators.length > 0) result.authenticator = authenticators;
  if (options.tls) result.tls = { ...options.tls };
  if (options.inboxPrefix) result.inboxPrefix = options.inboxPrefix;
  return result;
}

/**
 * Owns the one NATS connection of the process: connects (waiting for the first server), reconnects forever, logs
 * every disconnect, reconnect and async error with the server address, publishes its status, and drains on shutdown.
 */
export class NatsConnectionManager implements OnApplicationShutdown {
  private readonly logger = new Logger('NatsConnection');
  private readonly statusSubject = new BehaviorSubject<ConnectionStatus>({ state: 'connecting', since: Date.now() });
  private nc?: NatsConnection;
  private js?: JetStreamClient;
  private jsm?: JetStreamManager;
  private closing = false;
  private connecting?: Promise<NatsConnection>;

  constructor(private readonly options: NatsConnectionOptions) {}

  /** Status changes (replays the current one to new subscribers). */
  get status$(): Observable<ConnectionStatus> {
    return this.statusSubject.asObservable();
  }

  get status(): ConnectionStatus {
    return this.statusSubject.value;
  }

  /** The live connection; throws `ConnectionClosedError` when not connected yet or closed. */
  get connection(): NatsConnection {
    if (!this.nc) throw new ConnectionClosedError('NATS is not connected yet');
    if (this.nc.isClosed()) throw new ConnectionClosedError();
    return this.nc;
  }

  /**
   * Whether the server connected to is part of a cluster (its INFO names one). In a JetStream cluster a 503 "no
   * responders" can mean a stream is between leaders, not that it is missing.
   */
  isClustered(): boolean {
    return !!this.nc?.info?.cluster;
  }

  isConnected(): boolean {
    return this.statusSubject.value.state === 'connected' && !!this.nc && !this.nc.isClosed();
  }

  /** Connects (idempotent). Resolves once the first server accepted us; retries forever until then. */
  connect(): Promise<NatsConnection> {
    if (!this.connecting) this.connecting = this.open();
    return this.connecting;
  }

  /** Resolves when connected (starts connecting if nobody did). */
  ready(): Promise<NatsConnection> {
    return this.connect();
  }

  private async open(): Promise<NatsConnection> {
    const options = buildConnectionOptions(this.options);
    this.logger.log(`connecting to ${(options.servers as string[]).join(',')} as "${options.name ?? ''}"`);
    const nc = await connect(options);
    this.nc = nc;
    if (this.closing) {
      // Shut down while we were still waiting for the first server.
      await nc.close();
      throw new ConnectionClosedError('NATS connection closed during start-up');
    }
    this.setStatus({ state: 'connected', server: nc.getServer() });
    this.logger.log(`connected to ${nc.getServer()}`);
    void this.watchStatus(nc);
    void nc.closed().then((error) => {
      this.setStatus({ state: 'closed', lastError: error ? String(error) : undefined });
      if (error) this.logger.error(`connection closed with error: ${String(error)}`);
      else if (!this.closing) this.logger.warn('connection closed');
    });
    return nc;
  }

  /** JetStream client (cached). */
  jetstream(): JetStreamClient {
    if (!this.js) this.js = this.connection.jetstream();
    return this.js;
  }

  /**
   * JetStream manager (cached); the API round-trip checks JetStream is enabled. A server without JetStream gets a
   * `JetStreamDisabledError` naming it, instead of the bare "503" the client reports.
   */
  async jetstreamManager(): Promise<JetStreamManager> {
    if (!this.jsm) {
      const nc = this.connection;
      try {
        this.jsm = await nc.jetstreamManager();
      } catch (error) {
        if (isJetStreamDisabled(error, nc.info)) throw new JetStreamDisabledError(nc.getServer(), { cause: error });
        throw error;
      }
    }
    return this.jsm;
  }

  /** Server info for health: current server, cluster, version, round-trip time. */
  async info(timeoutMs = 2000): Promise<{ server: string; version?: string; rttMs: number; status: ConnectionStatus }> {
    const nc = this.connection;
    const rttMs = await withTimeout(nc.rtt(), timeoutMs, 'NATS round trip');
    return { server: nc.getServer(), version: nc.info?.version, rttMs, status: this.status };
  }

  /** Drains (flushes pending publishes and subscriptions) then closes. Idempotent. */
  async drain(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (!this.nc || this.nc.isClosed()) return;
    try {
      await this.nc.drain();
      this.logger.log('connection drained');
    } catch (error) {
      this.logger.warn(`drain failed (${String(error)}); closing`);
      await this.nc.close().catch(() => undefined);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.drain();
  }

  private setStatus(next: Omit<ConnectionStatus, 'since'>): void {
    const previous = this.statusSubject.value;
    this.statusSubject.next({ server: previous.server, ...next, since: Date.now() });
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      // A server address, an error code, or (servers changed) an object: as text for logs and the status.
      const data = typeof s.data === 'object' ? JSON.stringify(s.data) : String(s.data);
      switch (s.type) {
        case Events.Disconnect:
          this.logger.warn(`disconnected from ${data}`);
          this.setStatus({ state: 'disconnected', server: data });
          break;
        case Events.Reconnect:
          this.logger.log(`reconnected to ${data}`);
          this.setStatus({ state: 'connected', server: data });
          break;
        case DebugEvents.Reconnecting:
          if (this.status.state !== 'reconnecting') this.logger.warn(`reconnecting (last server ${nc.getServer()})`);
          this.setStatus({ state: 'reconnecting' });
          break;
        case Events.Error: {
          // A permissions violation names only its code in `data`; the refused operation and subject are what an
          // operator needs to fix the user's permissions (or find who tried to publish what they do not own).
          const refused = s.permissionContext;
          const detail = refused ? `${data}: ${refused.operation} to "${refused.subject}" refused for this NATS user` : data;
          this.logger.error(`async error from ${nc.getServer()}: ${detail}`);
          this.setStatus({ state: this.status.state, lastError: detail });
          break;
        }
        case Events.LDM:
          this.logger.warn(`server ${data} entered lame duck mode; will move to another server`);
          break;
        case DebugEvents.StaleConnection:
          this.logger.warn(`stale connection to ${nc.getServer()}`);
          break;
        default:
          break;
      }
    }
  }
}
