/**
 * `npm run dlq -- <command>`: inspect, replay and purge dead letters of the `DLQ` stream on NATS_URL.
 *
 *   list   [--subject <s>] [--limit <n>] [--json]   table of dead letters, oldest first (default limit 100)
 *   show   <seq> [--raw]                            headers and the payload (pretty JSON when it is JSON)
 *   replay <seq> | --all [--subject <s>] [--limit <n>]
 *                                                  republish to the original subject with a new message id
 *   purge  [--subject <s>] [--yes]                 delete dead letters (asks unless --yes)
 *
 * Exit codes: 0 done, 1 failure (NATS unreachable, publish failed), 2 bad usage, 3 no such dead letter.
 */
import { createInterface } from 'node:readline';

import { type DeadLetter, DeadLetterStore, DlqError } from '@app/messaging';

import { briefReason } from './dlq-reason';

export const USAGE = `usage: npm run dlq -- <command> [options]

commands:
  list   [--subject <s>] [--limit <n>] [--json]     list dead letters, oldest first (default limit 100)
  show   <seq> [--raw]                              print one dead letter: headers and payload
  replay <seq> | --all [--subject <s>] [--limit <n>]
                                                   republish to the original subject (new message id,
                                                   trace headers kept, dlq-replayed-from added), then delete
  purge  [--subject <s>] [--yes]                    delete dead letters (asks for confirmation unless --yes)

--subject takes the original subject (orders.created, payments.*) or a DLQ subject (dlq.payment-service.>).
environment: NATS_URL (default nats://127.0.0.1:4222), NATS_TOKEN / NATS_USER / NATS_PASSWORD (the ops user when
  the server runs docker/nats/nats-server.conf), DLQ_STREAM (default DLQ)
exit codes: 0 ok, 1 failure, 2 bad usage, 3 not found`;

/** Where the CLI writes and how it asks; replaced in tests. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Raw bytes for `show --raw`. */
  raw?(data: Uint8Array): void;
  confirm(question: string): Promise<boolean>;
  env: Record<string, string | undefined>;
}

interface Parsed {
  command: string;
  positional: string[];
  flags: Map<string, string | true>;
}

const FLAGS: Record<string, { value: boolean; commands: string[] }> = {
  subject: { value: true, commands: ['list', 'replay', 'purge'] },
  limit: { value: true, commands: ['list', 'replay'] },
  json: { value: false, commands: ['list'] },
  raw: { value: false, commands: ['show'] },
  all: { value: false, commands: ['replay'] },
  yes: { value: false, commands: ['purge'] },
  help: { value: false, commands: ['list', 'show', 'replay', 'purge', 'help'] },
};

export function parseArgs(argv: string[]): Parsed {
  const [command, ...rest] = argv;
  // No command is a usage error (exit 2, as documented); only an explicit --help is a successful answer.
  if (!command) throw new DlqError(`a command is required\n\n${USAGE}`, 2);
  if (command === '--help' || command === '-h') return { command: 'help', positional: [], flags: new Map() };
  if (!['list', 'show', 'replay', 'purge', 'help'].includes(command)) throw new DlqError(`unknown command "${command}"\n\n${USAGE}`, 2);
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    const spec = FLAGS[name];
    if (!spec || !spec.commands.includes(command)) throw new DlqError(`unknown option --${name} for "${command}"\n\n${USAGE}`, 2);
    if (spec.value) {
      const value = inline ?? rest[++i];
      if (value === undefined || value.startsWith('--')) throw new DlqError(`--${name} needs a value`, 2);
      flags.set(name, value);
    } else {
      if (inline !== undefined) throw new DlqError(`--${name} takes no value`, 2);
      flags.set(name, true);
    }
  }
  return { command, positional, flags };
}

function parseLimit(value: string | true | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^\d+$/.test(value) || Number(value) < 1)
    throw new DlqError(`--limit must be a positive integer (got "${String(value)}")`, 2);
  return Number(value);
}

function parseSeq(value: string | undefined): number {
  if (value === undefined) throw new DlqError('a dead-letter sequence number is required', 2);
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new DlqError(`invalid sequence "${value}": expected a positive integer`, 2);
  }
  return Number(value);
}

function noExtraPositional(parsed: Parsed, allowed: number): void {
  if (parsed.positional.length > allowed) throw new DlqError(`unexpected argument "${parsed.positional[allowed]}"`, 2);
}

export function formatTable(letters: DeadLetter[]): string[] {
  const rows = letters.map((l) => [
    String(l.seq),
    l.time.toISOString().replace(/\.\d+Z$/, 'Z'),
    l.originalSubject ?? '',
    l.consumer ?? '',
    l.deliveryCount === undefined ? '' : String(l.deliveryCount),
    briefReason(l.error, l.originalSubject),
  ]);
  const header = ['SEQ', 'TIME', 'SUBJECT', 'CONSUMER', 'DELIVERIES', 'ERROR'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  return [line(header), ...rows.map(line)];
}

/** Runs one command; returns the exit code. Never throws. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let store: DeadLetterStore | undefined;
  try {
    const parsed = parseArgs(argv);
    if (parsed.command === 'help' || parsed.flags.has('help')) {
      io.out(USAGE);
      return 0;
    }
    const subject = parsed.flags.get('subject') as string | undefined;
    // Validate everything before connecting, so bad usage is reported as such even when NATS is down.
    const plan = (() => {
      switch (parsed.command) {
        case 'list':
          noExtraPositional(parsed, 0);
          return { limit: parseLimit(parsed.flags.get('limit'), 100) };
        case 'show':
          noExtraPositional(parsed, 1);
          return { seq: parseSeq(parsed.positional[0]) };
        case 'replay':
          noExtraPositional(parsed, 1);
          if (parsed.flags.has('all')) {
            if (parsed.positional.length > 0) throw new DlqError('give either a sequence or --all, not both', 2);
            return { all: true, limit: parseLimit(parsed.flags.get('limit'), Number.POSITIVE_INFINITY) };
          }
          if (subject || parsed.flags.has('limit')) throw new DlqError('--subject and --limit go with --all', 2);
          return { seq: parseSeq(parsed.positional[0]) };
        default:
          noExtraPositional(parsed, 0);
          return {};
      }
    })();

    store = await DeadLetterStore.connect({
      natsUrl: io.env.NATS_URL,
      stream: io.env.DLQ_STREAM || undefined,
      token: io.env.NATS_TOKEN,
      user: io.env.NATS_USER,
      pass: io.env.NATS_PASSWORD,
    });

    switch (parsed.command) {
      case 'list': {
        const total = await store.count(subject);
        const letters = await store.list({ subject, limit: plan.limit });
        if (parsed.flags.has('json')) {
          io.out(
            JSON.stringify(
              letters.map(({ data, ...rest }) => ({ ...rest, time: rest.time.toISOString(), size: data.length })),
              null,
              2,
            ),
          );
          return 0;
        }
        if (letters.length === 0) {
          io.out(subject ? `no dead letters for ${subject}` : 'no dead letters');
          return 0;
        }
        for (const line of formatTable(letters)) io.out(line);
        io.out(`${letters.length} of ${total} dead letter(s)${subject ? ` for ${subject}` : ''}`);
        return 0;
      }
      case 'show': {
        const letter = await store.get(plan.seq!);
        if (parsed.flags.has('raw')) {
          (io.raw ?? ((d) => io.out(Buffer.from(d).toString('utf8'))))(letter.data);
          return 0;
        }
        io.out(`seq:      ${letter.seq}`);
        io.out(`subject:  ${letter.subject}`);
        io.out(`time:     ${letter.time.toISOString()}`);
        io.out(`size:     ${letter.data.length} bytes`);
        io.out('headers:');
        for (const [key, values] of Object.entries(letter.headers)) for (const v of values) io.out(`  ${key}: ${v}`);
        io.out('payload:');
        io.out(renderPayload(letter.data));
        return 0;
      }
      case 'replay': {
        if (!plan.all) {
          const r = await store.replay(plan.seq!);
          io.out(`replayed ${r.seq} -> ${r.subject} (${r.stream} #${r.streamSeq}${r.duplicate ? ', already stored' : ''}, msg id ${r.msgId})`);
          return 0;
        }
        const { replayed, failed } = await store.replayAll({ subject, limit: plan.limit });
        for (const r of replayed) io.out(`replayed ${r.seq} -> ${r.subject} (${r.stream} #${r.streamSeq}${r.duplicate ? ', already stored' : ''})`);
        io.out(`${replayed.length} dead letter(s) replayed`);
        if (failed) {
          io.err(`error: replay stopped at ${failed.seq}: ${failed.error}`);
          return 1;
        }
        return 0;
      }
      case 'purge': {
        const count = await store.count(subject);
        if (count === 0) {
          io.out(subject ? `no dead letters for ${subject}` : 'no dead letters');
          return 0;
        }
        if (!parsed.flags.has('yes')) {
          const ok = await io.confirm(`delete ${count} dead letter(s)${subject ? ` for ${subject}` : ''}? [y/N] `);
          if (!ok) {
            io.err('aborted: nothing deleted');
            return 1;
          }
        }
        const purged = await store.purge(subject);
        io.out(`purged ${purged} dead letter(s)`);
        return 0;
      }
      default:
        return 2;
    }
  } catch (error) {
    if (error instanceof DlqError) {
      io.err(`error: ${error.message}`);
      return error.exitCode;
    }
    io.err(`error: ${(error as Error)?.message ?? String(error)}`);
    return 1;
  } finally {
    await store?.close();
  }
}

/** Asks on the terminal; without one (piped, CI) the answer is no: use --yes. */
function terminalConfirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    process.stderr.write(`${question}\nno terminal to confirm on: pass --yes\n`);
    return Promise.resolve(false);
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  return new Promise((resolve) =>
    rl.question(question, (answer) => {
      rl.close();
      resolve(/^y(es)?$/i.test(answer.trim()));
    }),
  );
}

if (require.main === module) {
  void runCli(process.argv.slice(2), {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    raw: (data) => process.stdout.write(data),
    confirm: terminalConfirm,
    env: process.env,
  }).then((code) => {
    process.exitCode = code;
  });
}

/** Payload for display: pretty JSON when it parses, text otherwise (marked when it is not valid UTF-8), truncated. */
function renderPayload(data: Uint8Array, maxChars = 8192): string {
  let text: string;
  let utf8 = true;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    utf8 = false;
    text = Buffer.from(data).toString('hex');
  }
  if (utf8) {
    try {
      text = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      /* not JSON: raw text */
    }
  }
  const prefix = utf8 ? '' : '(not UTF-8; hex) ';
  return text.length > maxChars
    ? `${prefix}${text.slice(0, maxChars)}\n... (${data.length} bytes in all; use --raw for everything)`
    : `${prefix}${text}`;
}
