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
    ['parity with the baseline (2021)', ['--env', 'after', '--baseline', 'before', '--format', 'markdown'], 1, /ESR-PARITY-001/],
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

  it('--help loads the command line only: no policy, source, evaluation or reporter module, no YAML or JSON Schema (cold start)', () => {
    // a module resolve hook that names every module the process loads
    const hook = `export async function resolve(specifier, context, next) { const found = await next(specifier, context); process.stderr.write('loaded ' + found.url + '\\n'); return found; }`;
    const probe = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
    const result = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(probe)}`, 'bin/policy-check.js', '--help'], { encoding: 'utf8', timeout: 20_000 });
    expect(result.status).toBe(0);
    const loaded = [...result.stderr.matchAll(/^loaded (\S+)$/gm)].map((match) => match[1] ?? '');
    expect(loaded).toContain(new URL('../../dist/cli/policy-check.js', import.meta.url).href);
    expect(loaded.filter((url) => /\/dist\/(evaluate|sources|semantics|policy|config)\/|\/dist\/reporters\/(?!reporter\.js)|\/node_modules\/(yaml|ajv)\//.test(url))).toEqual([]);
  });
});

describe('no stray noise from dependencies', () => {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', PC_KEY: 'AKIDEXAMPLE', PC_SECRET: 'not-a-real-secret' };
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;

  it("the AWS SDK's Node-version warning is not printed by our entry points (it is, without them, on Node < 22)", async () => {
    const { closedPort } = await import('../support/rabbitmq-management.js');
    const port = await closedPort();
    const { writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    await writeFile(
      join(workspace.policies, 'environments', 'sqs-down.yaml'),
      `name: sqs-down\nsqs: { region: eu-west-2, endpoint: "http://127.0.0.1:${port}", credentials: { accessKeyIdEnv: PC_KEY, secretAccessKeyEnv: PC_SECRET } }\nqueues: { export-commands: { name: esr-q } }\n`,
    );
    const ours = spawnSync(process.execPath, ['bin/policy-check.js', '--policies', workspace.policies, '--env', 'sqs-down'], { encoding: 'utf8', env, timeout: 60_000 });
    expect(ours.status).toBe(2);
    expect(ours.stderr).toMatch(/^policy-check: .*127\.0\.0\.1/);
    expect(ours.stderr).not.toContain('NodeVersionSupportWarning');
    expect(ours.stderr).not.toContain('not-a-real-secret');
    // The same SDK client made without our entry point does warn on this Node: the check above can fail.
    const bare = spawnSync(process.execPath, ['--input-type=module', '-e', "const { SQSClient } = await import('@aws-sdk/client-sqs'); new SQSClient({ region: 'eu-west-2' });"], { encoding: 'utf8', env, timeout: 30_000 });
    const major = Number(process.versions.node.split('.')[0]);
    if (major < 22) expect(bare.stderr).toContain('NodeVersionSupportWarning');
    else expect(bare.stderr).not.toContain('NodeVersionSupportWarning');
  });
});
