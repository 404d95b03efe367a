import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { connect, headers as natsHeaders, type NatsConnection } from 'nats';

import { DeadLetterStore, dlqFilter } from '../../libs/messaging/src/dlq/dead-letters';
import { DLQ_STREAM_SPEC } from '../../libs/messaging/src/jetstream.provisioner';
import { type CliIo, runCli } from '../../tools/dlq';
import { freePort, type NatsServerProcess, REPO_ROOT, startNatsServer } from '../support/stack';
import { printSummary, readStream, recordRow, testTracker } from './fault-support';

/**
 * The dead-letter command against a NATS server of the test's own (never the shared server's DLQ): list, show,
 * replay (new message id, trace context kept, replay recorded, entry deleted only after the ack), purge, and the
 * exit codes for bad input. The replay that completes a real order is in poison.fault-spec.ts.
 */
describe('dlq command', () => {
  let nats: NatsServerProcess;
  let nc: NatsConnection;
  let storeDir: string;
  const started = Date.now();
  // The summary row's result: every test of the file ran to its end (a failed expectation stops its body).
  const tests = testTracker();

  const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

  beforeAll(async () => {
    storeDir = mkdtempSync(join(tmpdir(), 'dlq-cli-'));
    nats = await startNatsServer({ port: await freePort(), storeDir });
    nc = await connect({ servers: nats.url });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: DLQ_STREAM_SPEC.name, subjects: DLQ_STREAM_SPEC.subjects });
    await jsm.streams.add({ name: 'ORDERS', subjects: ['orders.>'] });
  }, 30_000);

  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
    rmSync(storeDir, { recursive: true, force: true });
    recordRow({
      scenario: 'DLQ command (list/show/replay/purge)',
      orders: 0,
      final: 0,
      lost: 0,
      duplicated: 0,
      dlq: deadLettered,
      seconds: (Date.now() - started) / 1000,
      passed: tests.passed(),
    });
    printSummary();
  });

  let deadLettered = 0;

  /** Parks a message in the DLQ the way ConsumerRunner does. */
  async function deadLetter(service: string, subject: string, payload: string | Uint8Array, extra: Record<string, string> = {}): Promise<number> {
    const h = natsHeaders();
    h.set('traceparent', TRACEPARENT);
    h.set('tracestate', 'vendor=abc');
    h.set('baggage', 'tenant=t1');
    h.set('dlq-original-subject', subject);
    h.set('dlq-original-stream', subject.startsWith('orders.') ? 'ORDERS' : 'OTHER');
    h.set('dlq-stream-seq', '42');
    h.set('dlq-original-msg-id', `evt-${deadLettered}`);
    h.set('dlq-error', 'invalid: data.orderId must be a UUID');
    h.set('dlq-delivery-count', '1');
    h.set('dlq-consumer', `${service}__${subject.replace(/\./g, '_')}`);
    h.set('dlq-time', new Date().toISOString());
    for (const [k, v] of Object.entries(extra)) h.set(k, v);
    const ack = await nc
      .jetstream()
      .publish(`dlq.${service}.${subject}`, typeof payload === 'string' ? new TextEncoder().encode(payload) : payload, { headers: h });
    deadLettered++;
    return ack.seq;
  }

  function io(answer = false) {
    const out: string[] = [];
    const err: string[] = [];
    const cli: CliIo = {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      confirm: async (q) => {
        out.push(q);
        return answer;
      },
      env: { NATS_URL: nats.url },
    };
    return { cli, out, err, text: () => out.join('\n'), errors: () => err.join('\n') };
  }

  const run = async (args: string[], answer = false) => {
    const c = io(answer);
    const code = await runCli(args, c.cli);
    return { code, ...c };
  };

  it(
    'list prints a table with seq, time, subject, consumer, deliveries and error; filters by subject; limits',
    tests.track(async () => {
      const a = await deadLetter('inventory-service', 'orders.created', '{"specversion":"1.0","data":{"orderId":"nope"}}');
      const b = await deadLetter('payment-service', 'inventory.reserved', 'not json at all');
      const c = await deadLetter('notification-service', 'orders.cancelled', '{}');

      const all = await run(['list']);
      expect(all.code).toBe(0);
      expect(all.out[0]).toMatch(/^SEQ\s+TIME\s+SUBJECT\s+CONSUMER\s+DELIVERIES\s+ERROR$/);
      expect(all.text()).toContain(`${a} `);
      expect(all.text()).toMatch(
        new RegExp(`${b}\\s+\\S+Z\\s+inventory\\.reserved\\s+payment-service__inventory_reserved\\s+1\\s+invalid: data.orderId must be a UUID`),
      );
      expect(all.out.at(-1)).toBe('3 of 3 dead letter(s)');

      const orders = await run(['list', '--subject', 'orders.*']);
      expect(orders.out.slice(1, -1).map((l) => Number(l.split(/\s+/)[0]))).toEqual([a, c]);
      expect((await run(['list', '--subject=inventory.reserved'])).out.slice(1, -1)).toHaveLength(1);
      expect((await run(['list', '--subject', 'dlq.notification-service.>'])).out.slice(1, -1)).toHaveLength(1);
      expect((await run(['list', '--subject', 'payments.completed'])).text()).toBe('no dead letters for payments.completed');

      const limited = await run(['list', '--limit', '2']);
      expect(limited.out.slice(1, -1)).toHaveLength(2);
      expect(limited.out.at(-1)).toBe('2 of 3 dead letter(s)');

      const json = await run(['list', '--json']);
      const parsed = JSON.parse(json.text());
      expect(parsed).toHaveLength(3);
      expect(parsed[1]).toMatchObject({
        seq: b,
        originalSubject: 'inventory.reserved',
        consumer: 'payment-service__inventory_reserved',
        deliveryCount: 1,
        size: 15,
      });
    }),
  );

  it(
    'show prints the headers and the payload as pretty JSON (or text)',
    tests.track(async () => {
      const [first, second] = await (await DeadLetterStore.over(nc)).list();
      const shown = await run(['show', String(first.seq)]);
      expect(shown.code).toBe(0);
      expect(shown.text()).toContain(`traceparent: ${TRACEPARENT}`);
      expect(shown.text()).toContain('dlq-original-subject: orders.created');
      expect(shown.text()).toContain('dlq-error: invalid: data.orderId must be a UUID');
      expect(shown.text()).toContain('payload:\n{\n  "specversion": "1.0",\n  "data": {\n    "orderId": "nope"\n  }\n}');
      expect((await run(['show', String(second.seq)])).text()).toContain('payload:\nnot json at all');

      const binary = await deadLetter('order-service', 'payments.completed', new Uint8Array([0xff, 0xfe, 0x00, 0x01]));
      expect((await run(['show', String(binary)])).text()).toContain('(not UTF-8; hex) fffe0001');
    }),
  );

  it(
    'replay republishes to the original subject with a new message id and the trace context, records the replay, deletes the entry',
    tests.track(async () => {
      const payload = '{"specversion":"1.0","id":"e-1","type":"orders.created"}';
      const seq = await deadLetter('inventory-service', 'orders.created', payload, { 'Nats-Msg-Id': 'dlq:ORDERS:42:x' });
      const before = await readStream(nc, 'ORDERS');

      const replayed = await run(['replay', String(seq)]);
      expect(replayed.errors()).toBe('');
      expect(replayed.code).toBe(0);
      expect(replayed.text()).toMatch(new RegExp(`^replayed ${seq} -> orders.created \\(ORDERS #\\d+, msg id .+\\)$`));

      const after = await readStream(nc, 'ORDERS');
      expect(after).toHaveLength(before.length + 1);
      const msg = after.at(-1)!;
      expect(msg.subject).toBe('orders.created');
      expect(new TextDecoder().decode(msg.data)).toBe(payload);
      expect(msg.headers.get('traceparent')).toBe(TRACEPARENT);
      expect(msg.headers.get('tracestate')).toBe('vendor=abc');
      expect(msg.headers.get('baggage')).toBe('tenant=t1');
      expect(msg.headers.get('dlq-replayed-from')).toBe(String(seq));
      expect(msg.headers.get('dlq-replayed-at')).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(msg.headers.get('dlq-previous-error')).toBe('invalid: data.orderId must be a UUID');
      const msgId = msg.headers.get('Nats-Msg-Id');
      expect(msgId).toBeTruthy();
      expect(msgId).not.toBe('dlq:ORDERS:42:x');
      expect(msgId).not.toMatch(/^evt-\d+$/); // not the original event's id (still inside the duplicate window)
      // the previous failure's dlq-* headers do not travel with the replay
      expect(msg.headers.has('dlq-error')).toBe(false);
      expect(msg.headers.has('dlq-original-subject')).toBe(false);

      // deleted from the DLQ; replaying it again is "not found"
      const again = await run(['replay', String(seq)]);
      expect(again.code).toBe(3);
      expect(again.errors()).toMatch(/no dead letter with sequence/);
    }),
  );

  it(
    'a replay whose publish fails leaves the dead letter in place',
    tests.track(async () => {
      const seq = await deadLetter('order-service', 'nowhere.subject', '{}');
      const failed = await run(['replay', String(seq)]);
      expect(failed.code).toBe(1);
      expect(failed.errors()).toMatch(/could not republish dead letter \d+ to nowhere.subject \(left in the DLQ\)/);
      expect((await run(['show', String(seq)])).code).toBe(0);
      expect((await run(['purge', '--subject', 'nowhere.subject', '--yes'])).text()).toBe('purged 1 dead letter(s)');
    }),
  );

  it(
    'replay --all --subject replays only the matching dead letters',
    tests.track(async () => {
      const store = await DeadLetterStore.over(nc);
      const x = await deadLetter('inventory-service', 'orders.confirmed', '{"n":1}');
      const y = await deadLetter('notification-service', 'orders.confirmed', '{"n":2}');
      const countOthers = (await store.count()) - 2;
      const result = await run(['replay', '--all', '--subject', 'orders.confirmed']);
      expect(result.code).toBe(0);
      expect(result.out.filter((l) => l.startsWith('replayed '))).toHaveLength(2);
      expect(result.out.at(-1)).toBe('2 dead letter(s) replayed');
      expect(await store.count()).toBe(countOthers);
      const confirmed = (await readStream(nc, 'ORDERS', 'orders.confirmed')).map((m) => m.headers.get('dlq-replayed-from'));
      expect(confirmed).toEqual([String(x), String(y)]);
    }),
  );

  it(
    'purge asks for confirmation unless --yes, and honours --subject',
    tests.track(async () => {
      const store = await DeadLetterStore.over(nc);
      await deadLetter('payment-service', 'inventory.reserved', '{"k":1}');
      const total = await store.count();
      const reserved = await store.count('inventory.reserved');
      expect(reserved).toBeGreaterThanOrEqual(2);

      const declined = await run(['purge', '--subject', 'inventory.reserved'], false);
      expect(declined.code).toBe(1);
      expect(declined.out[0]).toBe(`delete ${reserved} dead letter(s) for inventory.reserved? [y/N] `);
      expect(declined.errors()).toMatch(/aborted: nothing deleted/);
      expect(await store.count()).toBe(total);

      const confirmed = await run(['purge', '--subject', 'inventory.reserved'], true);
      expect(confirmed.code).toBe(0);
      expect(confirmed.text()).toContain(`purged ${reserved} dead letter(s)`);
      expect(await store.count()).toBe(total - reserved);

      const everything = await run(['purge', '--yes']);
      expect(everything.code).toBe(0);
      expect(await store.count()).toBe(0);
      expect((await run(['list'])).text()).toBe('no dead letters');
      expect((await run(['purge', '--yes'])).text()).toBe('no dead letters');
    }),
  );

  it.each([
    [['frobnicate'], 2, /unknown command "frobnicate"/],
    [['list', '--limit', '0'], 2, /--limit must be a positive integer/],
    [['list', '--limit', 'ten'], 2, /--limit must be a positive integer/],
    [['list', '--limit'], 2, /--limit needs a value/],
    [['list', '--bogus'], 2, /unknown option --bogus/],
    [['list', '--subject', 'orders..created'], 2, /invalid subject filter/],
    [['list', '--subject', 'orders.>.x'], 2, /invalid subject filter/],
    [['show'], 2, /sequence number is required/],
    [['show', '-1'], 2, /invalid sequence "-1"/],
    [['show', '1.5'], 2, /invalid sequence "1.5"/],
    [['show', '999999'], 3, /no dead letter with sequence 999999/],
    [['replay'], 2, /sequence number is required/],
    [['replay', '1', '--all'], 2, /either a sequence or --all/],
    [['replay', '1', '--subject', 'orders.created'], 2, /go with --all/],
    [['purge', '--yes=1'], 2, /--yes takes no value/],
    [['show', '1', '2'], 2, /unexpected argument "2"/],
  ] as [string[], number, RegExp][])(
    '%j exits %i',
    tests.track(async (args: string[], code: number, message: RegExp) => {
      const result = await run(args);
      expect(result.errors()).toMatch(message);
      expect(result.code).toBe(code);
    }),
  );

  it(
    'fails with exit 1 and a clear message when NATS is unreachable',
    tests.track(async () => {
      const c = io();
      c.cli.env = { NATS_URL: `nats://127.0.0.1:${await freePort()}` };
      const code = await runCli(['list'], c.cli);
      expect(code).toBe(1);
      expect(c.errors()).toMatch(/^error: cannot connect to NATS at nats:\/\/127\.0\.0\.1:\d+: /);
    }),
  );

  it(
    'dlqFilter maps original subjects to DLQ subjects',
    tests.track(async () => {
      expect(dlqFilter()).toBe('dlq.>');
      expect(dlqFilter('orders.created')).toBe('dlq.*.orders.created');
      expect(dlqFilter('orders.>')).toBe('dlq.*.orders.>');
      expect(dlqFilter('dlq.payment-service.>')).toBe('dlq.payment-service.>');
    }),
  );

  it(
    'runs as `npm run dlq` with exit codes and usage',
    tests.track(async () => {
      const seq = await deadLetter('inventory-service', 'orders.created', '{"a":1}');
      const env = { ...process.env, NATS_URL: nats.url };
      const list = spawnSync('npm', ['run', '--silent', 'dlq', '--', 'list'], { cwd: REPO_ROOT, env, encoding: 'utf8' });
      expect(list.stderr).toBe('');
      expect(list.status).toBe(0);
      expect(list.stdout).toMatch(new RegExp(`^${seq}\\s+.*orders\\.created\\s+inventory-service__orders_created`, 'm'));
      const usage = spawnSync('npm', ['run', '--silent', 'dlq', '--', 'nope'], { cwd: REPO_ROOT, env, encoding: 'utf8' });
      expect(usage.status).toBe(2);
      expect(usage.stderr).toMatch(/unknown command "nope"[\s\S]*usage: npm run dlq/);
      const missing = spawnSync('npm', ['run', '--silent', 'dlq', '--', 'show', '424242'], { cwd: REPO_ROOT, env, encoding: 'utf8' });
      expect(missing.status).toBe(3);
      const help = spawnSync('npm', ['run', '--silent', 'dlq', '--', '--help'], { cwd: REPO_ROOT, env, encoding: 'utf8' });
      expect(help.status).toBe(0);
      expect(help.stdout).toMatch(/^usage: npm run dlq/);
    }),
    60_000,
  );
});
