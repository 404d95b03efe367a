/** How often the parent is checked: cheap (one getppid), and well inside any shutdown deadline. */
const PARENT_POLL_MS = 500;

/**
 * Calls `onOrphaned` once when the process that started this one exits. A launcher that dies without passing its
 * signal on (`sh -c` under `nest start` or npm, a SIGKILLed `npm start`, a crashed test runner) otherwise leaves the
 * service running, holding its port. Nothing is watched when the parent is PID 1 or there is none (a container's
 * init, systemd): there the parent outlives the service anyway. Returns a function that stops watching.
 */
export function watchParent(onOrphaned: () => void): () => void {
  const parent = process.ppid;
  if (parent <= 1 || process.pid === 1) return () => undefined;
  const timer = setInterval(() => {
    // A dead parent's children are re-parented (to init or a subreaper), so ppid changes.
    if (process.ppid === parent) return;
    clearInterval(timer);
    onOrphaned();
  }, PARENT_POLL_MS);
  // Watching must never keep a process alive that has nothing else to do.
  timer.unref();
  return () => clearInterval(timer);
}
