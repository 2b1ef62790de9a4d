import { spawn } from 'node:child_process';
import { join } from 'node:path';

const WORKER = join(import.meta.dirname, 'fixtures', 'store-worker.ts');

export interface Worker {
  lines: Promise<string[]>;
  kill(): void;
  onLine(listener: (line: string) => void): void;
}

/** A real separate process on the store (node + tsx, as the CLI would run it): fixtures/store-worker.ts. */
export function worker(file: string, mode: string, count: number | string, env: Record<string, string> = {}): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, file, mode, String(count)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const listeners: ((line: string) => void)[] = [];
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const line of chunk.split('\n')) if (line) for (const listener of listeners) listener(line);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const lines = new Promise<string[]>((resolve, reject) =>
    child.on('close', (code, signal) => {
      if (code === 0 || signal === 'SIGKILL') resolve(stdout.split('\n').filter(Boolean));
      else reject(new Error(`worker exited ${code ?? signal}: ${stderr}`));
    }),
  );
  return { lines, kill: () => child.kill('SIGKILL'), onLine: (listener) => listeners.push(listener) };
}
