import { CommonEnv } from './common.env';
import { ConfigValidationError, validateEnv } from './load-env';

class TestEnv extends CommonEnv {
  override PORT = 3999;
}

function problemsOf(raw: Record<string, string>): string[] {
  try {
    validateEnv(TestEnv, raw);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  throw new Error('expected the environment to be rejected');
}

describe('validateEnv', () => {
  it('applies defaults when nothing is set', () => {
    const env = validateEnv(TestEnv, {});
    expect(env).toMatchObject({ PORT: 3999, NATS_URL: 'nats://127.0.0.1:4222', LOG_LEVEL: 'info', DATA_DIR: '.data' });
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it('converts PORT to a number and treats an empty value as unset', () => {
    expect(validateEnv(TestEnv, { PORT: '8080' }).PORT).toBe(8080);
    expect(validateEnv(TestEnv, { PORT: '' }).PORT).toBe(3999);
  });

  it('takes one stream replica unless NATS_STREAM_REPLICAS says otherwise', () => {
    expect(validateEnv(TestEnv, {}).NATS_STREAM_REPLICAS).toBe(1);
    expect(validateEnv(TestEnv, { NATS_STREAM_REPLICAS: '3' }).NATS_STREAM_REPLICAS).toBe(3);
  });

  it('accepts a list of NATS servers with any supported scheme', () => {
    const raw = { NATS_URL: 'nats://a:4222,tls://b.example:4443,ws://c:8080' };
    expect(validateEnv(TestEnv, raw).NATS_URL).toBe(raw.NATS_URL);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '0'],
    ['PORT', '70000'],
    ['PORT', '3000.5'],
    ['NATS_URL', 'nope'],
    ['NATS_URL', 'http://localhost:4222'],
    ['NATS_URL', 'nats://a:4222,,'],
    ['LOG_LEVEL', 'loud'],
    ['NATS_STREAM_REPLICAS', '0'],
    ['NATS_STREAM_REPLICAS', '6'],
    ['NATS_STREAM_REPLICAS', 'three'],
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['DATABASE_URL', 'not a url'],
  ])('rejects %s=%s with one message naming the variable', (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(name);
    expect(problems[0]).toContain(JSON.stringify(value));
  });

  it('reports every bad variable at once', () => {
    const problems = problemsOf({ PORT: 'abc', LOG_LEVEL: 'loud' });
    expect(problems.map((p) => p.split(' ')[0]).sort()).toEqual(['LOG_LEVEL', 'PORT']);
  });

  it('refuses two ways of NATS authentication with one line that never shows the secret', () => {
    const problems = problemsOf({ NATS_TOKEN: 's3cret', NATS_USER: 'app', NATS_PASSWORD: 'pw' });
    expect(problems).toEqual([
      'NATS_TOKEN cannot be combined with NATS_USER: set at most one way of authenticating to NATS (token; user and password; NKey seed; credentials file) (set)',
    ]);
    expect(problemsOf({ NATS_NKEY_SEED: 'SUAX', NATS_CREDS_FILE: '/x.creds', NATS_USER: 'app' })).toHaveLength(1);
  });

  it('accepts one way of NATS authentication', () => {
    expect(validateEnv(TestEnv, { NATS_USER: 'app', NATS_PASSWORD: 'pw' }).NATS_USER).toBe('app');
    expect(validateEnv(TestEnv, { NATS_TOKEN: 't' }).NATS_TOKEN).toBe('t');
  });
});
