/**
 * A benchmark case worker (forked by bench.ts, never run by hand): sets up one kind of case from the JSON config in
 * BENCH_WORKER_CONFIG, answers `run` requests one at a time over IPC, and cleans up on `stop`.
 */
import 'reflect-metadata';

import type { CaseId, FromWorker, ToWorker, WorkerConfig } from './support/protocol';
import { setupOutbox, setupRaw, setupTransport, type WorkerSetup } from './support/worker-cases';

const send = (message: FromWorker) => process.send?.(message);
const describe = (error: unknown) => (error instanceof Error ? (error.stack ?? error.message) : String(error));

async function main(): Promise<void> {
  const config = JSON.parse(process.env.BENCH_WORKER_CONFIG ?? '{}') as WorkerConfig;
  let setup: WorkerSetup;
  try {
    switch (config.kind) {
      case 'raw':
        setup = await setupRaw(config);
        break;
      case 'transport':
        setup = await setupTransport(config, false);
        break;
      case 'traced':
        setup = await setupTransport(config, true);
        break;
      case 'outbox':
        setup = await setupOutbox(config);
        break;
      default:
        throw new Error(`unknown worker kind ${String(config.kind)}`);
    }
  } catch (error) {
    send({ op: 'error', message: `setup of ${config.kind} failed: ${describe(error)}` });
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 200).unref();
    return;
  }
  send({ op: 'ready', cases: Object.keys(setup.cases) as CaseId[], info: setup.info });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= setup.close().catch((error: unknown) => {
      process.stderr.write(`[${config.kind}] close failed: ${describe(error)}\n`);
    }));
  let queue = Promise.resolve();
  process.on('message', (message: ToWorker) => {
    queue = queue.then(async () => {
      if (message.op === 'stop') {
        await close();
        send({ op: 'stopped' });
        setTimeout(() => process.exit(0), 100).unref();
        return;
      }
      const run = setup.cases[message.caseId];
      if (!run) {
        send({ op: 'error', caseId: message.caseId, message: `worker ${config.kind} has no case ${message.caseId}` });
        return;
      }
      try {
        const cpuBefore = process.cpuUsage();
        const result = await run(message.count, message.timeoutMs, message.ratePerSec);
        const cpu = process.cpuUsage(cpuBefore);
        result.cpuUsPerMsg = Math.round(((cpu.user + cpu.system) / message.count) * 10) / 10;
        send({ op: 'result', caseId: message.caseId, result });
      } catch (error) {
        send({ op: 'error', caseId: message.caseId, message: describe(error) });
      }
    });
  });
  // The parent going away (Ctrl-C, crash) ends this worker too.
  process.on('disconnect', () => {
    void close().finally(() => process.exit(0));
  });
}

void main();
