import { spawn } from 'node:child_process';

import { REPO_ROOT } from '../../support/stack';

export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command in the repository root with extra environment, collecting its output; kills it after the timeout. */
export function runChild(command: string, args: string[], env: Record<string, string | undefined>, timeoutMs = 60_000): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `ts-node --transpile-only -r tsconfig-paths/register <script> ...args`, as the repository's npm scripts run TypeScript. */
export function runTs(script: string, args: string[], env: Record<string, string | undefined> = {}, timeoutMs?: number): Promise<ChildResult> {
  return runChild(
    process.execPath,
    [require.resolve('ts-node/dist/bin'), '--transpile-only', '-r', 'tsconfig-paths/register', script, ...args],
    env,
    timeoutMs,
  );
}

/** The last non-empty stdout line parsed as JSON (the scenario scripts print their observations there). */
export function lastJsonLine<T>(result: ChildResult): T {
  const line = result.stdout.trim().split('\n').filter(Boolean).pop();
  if (result.code !== 0 || !line) throw new Error(`child exited with ${result.code}: ${result.stderr || result.stdout}`);
  return JSON.parse(line) as T;
}
