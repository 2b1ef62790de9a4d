/**
 * Helpers of the hardening suites: real read-only and full file systems (tmpfs mounts: a folder with
 * mode 0555 does not stop root), child processes with a deadline, and one-line error checks.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';

export const ROOT = new URL('../..', import.meta.url).pathname;

/** Root mounts directly; anyone else (a CI runner) through passwordless sudo, owning the mount. */
const IS_ROOT = process.getuid?.() === 0;
function privileged(command: string, args: string[]): void {
  if (IS_ROOT) execFileSync(command, args, { stdio: 'ignore' });
  else execFileSync('sudo', ['-n', command, ...args], { stdio: 'ignore' });
}
const OWNER = IS_ROOT ? '' : `,uid=${process.getuid?.()},gid=${process.getgid?.()}`;

/** Whether this process may mount file systems (root, or passwordless sudo); probed once. */
export const CAN_MOUNT: boolean = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'esr-mount-probe-'));
  try {
    privileged('mount', ['-t', 'tmpfs', '-o', `size=64k${OWNER}`, 'tmpfs', dir]);
    privileged('umount', [dir]);
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
})();

/** A fresh tmpfs at a new folder (`ro`, `size=16k`, ...); `remount` changes its options; `dispose` unmounts and removes it. */
export function mountTmpfs(options: string) {
  const dir = mkdtempSync(join(tmpdir(), 'esr-tmpfs-'));
  privileged('mount', ['-t', 'tmpfs', '-o', `${options}${OWNER}`, 'tmpfs', dir]);
  return {
    dir,
    remount: (next: string) => privileged('mount', ['-o', `remount,${next}`, dir]),
    dispose: () => {
      privileged('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command; kills it (SIGKILL) after `deadlineMs`, so a hang shows up as a failed bound, never a stuck test. */
export function runProcess(command: string, args: string[], options: { deadlineMs: number; env?: NodeJS.ProcessEnv; cwd?: string; input?: string }): Promise<Exit> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.deadlineMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Runs one of the built CLIs (`dist/`: run `npm run build` first). */
export function runCli(bin: 'esr-export' | 'esr-sim' | 'policy-check', args: string[], options: { deadlineMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Exit> {
  return runProcess(process.execPath, [join(ROOT, 'bin', `${bin}.js`), ...args], { deadlineMs: options.deadlineMs ?? 20_000, env: options.env, cwd: options.cwd });
}

/** Runs a CLI's `main` in this process (no start-up cost), capturing what it writes, as an `Exit`. */
export async function runMain(bin: 'esr-export' | 'esr-sim' | 'policy-check', args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Exit> {
  let stdout = '';
  let stderr = '';
  const out = (text: string) => void (stdout += text);
  const err = (text: string) => void (stderr += text);
  const started = performance.now();
  let code: number;
  if (bin === 'policy-check') {
    const { main } = await import('../../src/cli/policy-check.js');
    const environ = { ...process.env, ...options.env };
    code = await main(args, { out, err, environ, isTTY: false, today: () => '2026-12-01', cwd: options.cwd ?? ROOT });
  } else {
    const { main } = bin === 'esr-export' ? await import('../../src/cli/esr-export.js') : await import('../../src/cli/esr-sim.js');
    code = await main(args, { out, err });
  }
  return { code, signal: null, stdout, stderr, ms: performance.now() - started };
}

/** The contract of every bad input: exit 2, within the bound, one line on stderr matching `message`, no stack trace. */
export function expectOneLineFailure(exit: Exit, message: RegExp, boundMs: number): void {
  const context = `exit ${exit.code} signal ${exit.signal} after ${Math.round(exit.ms)} ms; stderr: ${exit.stderr}; stdout: ${exit.stdout}`;
  expect(exit.signal, context).toBeNull();
  expect(exit.code, context).toBe(2);
  expect(exit.ms, context).toBeLessThan(boundMs);
  expect(exit.stderr, context).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(exit.stderr, context).not.toMatch(/internal error/);
  const lines = exit.stderr.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('{'));
  expect(lines, context).toHaveLength(1);
  expect(lines[0], context).toMatch(message);
}
