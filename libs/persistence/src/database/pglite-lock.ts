import { open, readFile, unlink, writeFile } from 'node:fs/promises';

/** Raised when another live process has the PGlite folder open: two writers would corrupt it. */
export class PgliteInUseError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
    readonly owner: string,
    lockFile: string,
  ) {
    super(
      `the embedded database under ${dir} is in use by process ${pid} (${owner}): stop that process first ` +
        `(each service applies its migrations at start), or set DATABASE_URL to use PostgreSQL. ` +
        `If no such process runs any more, delete ${lockFile}.`,
    );
    this.name = 'PgliteInUseError';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims a PGlite folder for this process through `<dir>.lock` (pid and owner). PGlite, unlike a PostgreSQL server,
 * takes no lock of its own, so a second process (`npm run db:migrate` while the services run, a second instance)
 * would open the same files and corrupt them. A lock left by a process that is gone is taken over. Returns the
 * release function; throws {@link PgliteInUseError} when a live process holds the folder.
 */
export async function claimPgliteDir(dir: string, owner: string): Promise<() => Promise<void>> {
  const lockFile = `${dir}.lock`;
  const mine = `${process.pid}\n${owner}\n`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockFile, 'wx');
      await handle.writeFile(mine);
      await handle.close();
      return async () => {
        // Only our own claim is removed: a stale-lock takeover by another process must not be undone.
        if ((await readFile(lockFile, 'utf8').catch(() => '')) === mine) await unlink(lockFile).catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const [pidText, holder = 'unknown'] = (await readFile(lockFile, 'utf8').catch(() => '')).split('\n');
    const pid = Number(pidText);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) throw new PgliteInUseError(dir, pid, holder, lockFile);
    // Stale (its process is gone) or unreadable: replace it and try once more.
    await writeFile(lockFile, '')
      .then(() => unlink(lockFile))
      .catch(() => undefined);
  }
  throw new Error(`could not claim ${dir} (${lockFile} keeps reappearing)`);
}
