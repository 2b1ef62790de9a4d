import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorkspace } from './workspace.js';

/** Acceptance: the real binary (bin/policy-check.js → dist/, built by `npm run build` before the tests). */
let workspace: Awaited<ReturnType<typeof makeWorkspace>>;
beforeAll(async () => {
  workspace = await makeWorkspace();
});
afterAll(async () => workspace.cleanup());

function policyCheck(...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/policy-check.js', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 20_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('bin/policy-check.js', () => {
  it('is built', () => {
    expect(existsSync('dist/cli/policy-check.js'), 'run `npm run build` first').toBe(true);
  });

  it.each([
    ['all policies hold', ['--env', 'before'], 0, /0 failed/],
    ['a violation', ['--env', 'after'], 1, /dead-letter/],
    ['parity with the baseline (2021)', ['--env', 'after', '--baseline', 'before', '--format', 'markdown'], 1, /parity\.maxDeliveries/],
    ['an unknown environment', ['--env', 'prod'], 2, /^$/],
  ])('%s → exit %i', (_name, args, code, stdout) => {
    const result = policyCheck('--policies', workspace.policies, ...args);
    expect(result.stdout).toMatch(stdout);
    expect(result.code).toBe(code);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('--help exits 0', () => {
    const result = policyCheck('--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--baseline <env>');
  });
});
