/**
 * Process groups for `npm start`: each child runs in a group of its own (`detached`), so stopping it reaches
 * everything it started too (the Nest CLI's app and type-checker workers under `--watch`), and a Ctrl-C in the
 * terminal reaches only the launcher, which then stops the services before the NATS server they drain into.
 */
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

/** Sends a signal to every process in the group led by `pid`; false when the group no longer exists. */
export function signalGroup(pid: number | undefined, signal: NodeJS.Signals | 0): boolean {
  if (!pid) return false;
  try {
    process.kill(-pid, signal);
    return true;
  } catch (error) {
    // EPERM: the group exists but is not ours to signal (cannot happen for groups we created; counted as alive).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Signals the group of a `detached` child and waits until every process in it has exited; what is still alive
 * after `graceMs` is killed with SIGKILL. Resolves once the group is gone (or 2 s after the SIGKILL at worst).
 */
export async function stopGroup(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  const pid = child.pid;
  if (!signalGroup(pid, signal)) return;
  const deadline = Date.now() + graceMs;
  while (signalGroup(pid, 0) && Date.now() < deadline) await sleep(100);
  if (!signalGroup(pid, 'SIGKILL')) return;
  const killDeadline = Date.now() + 2000;
  while (signalGroup(pid, 0) && Date.now() < killDeadline) await sleep(50);
}

/** SIGKILLs the groups of the given children at once (a second Ctrl-C, or the launcher's own deadline). */
export function killGroups(children: ChildProcess[]): void {
  for (const child of children) signalGroup(child.pid, 'SIGKILL');
}
