import { buildConnectionOptions } from './nats-connection.manager';

describe('buildConnectionOptions', () => {
  it('splits a comma-separated server list and reconnects forever with the configured wait and jitter', () => {
    const options = buildConnectionOptions({
      servers: 'nats://a:4222, tls://b:4443',
      name: 'svc',
      reconnectTimeWaitMs: 1500,
      reconnectJitterMs: 300,
    });
    expect(options).toMatchObject({
      servers: ['nats://a:4222', 'tls://b:4443'],
      name: 'svc',
      reconnect: true,
      maxReconnectAttempts: -1,
      waitOnFirstConnect: true,
      reconnectTimeWait: 1500,
      reconnectJitter: 300,
    });
  });

  it('defaults to a 2 s reconnect wait', () => {
    expect(buildConnectionOptions({ servers: ['nats://a:4222'] }).reconnectTimeWait).toBe(2000);
  });

  it('passes token, user/password and TLS files through', () => {
    const options = buildConnectionOptions({
      servers: 'nats://a:4222',
      token: 't0ken',
      user: 'u',
      pass: 'p',
      tls: { caFile: '/ca.pem', certFile: '/cert.pem', keyFile: '/key.pem' },
    });
    expect(options).toMatchObject({ token: 't0ken', user: 'u', pass: 'p', tls: { caFile: '/ca.pem', certFile: '/cert.pem', keyFile: '/key.pem' } });
    expect(options.authenticator).toBeUndefined();
  });

  it('passes the reply-inbox prefix through, and leaves the client default without one', () => {
    expect(buildConnectionOptions({ servers: 'nats://a:4222', inboxPrefix: '_INBOX_order-service' }).inboxPrefix).toBe('_INBOX_order-service');
    expect(buildConnectionOptions({ servers: 'nats://a:4222' }).inboxPrefix).toBeUndefined();
  });

  it('builds authenticators for an NKey seed and a credentials file', () => {
    const options = buildConnectionOptions({ servers: 'nats://a:4222', nkeySeed: 'SUAEXAMPLE', credsFile: '/etc/nats/app.creds' });
    expect(Array.isArray(options.authenticator)).toBe(true);
    expect(options.authenticator).toHaveLength(2);
  });
});
