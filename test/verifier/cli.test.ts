import { readFile, rm, writeFile } from 'node:fs/promises';
import { closedPort } from '../support/rabbitmq-management.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/policy-check.js';
import { capture, makeWorkspace } from './workspace.js';

let workspace: Awaited<ReturnType<typeof makeWorkspace>>;
beforeAll(async () => {
  workspace = await makeWorkspace();
});
afterAll(async () => workspace.cleanup());

async function run(args: string[], environ: Record<string, string | undefined> = {}, options: { isTTY?: boolean; today?: string } = {}) {
  const captured = capture(environ, options);
  const code = await main(['--policies', workspace.policies, ...args], captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}


function expectNoStack(text: string): void {
  expect(text).not.toMatch(/\n\s+at /);
}

describe('policy-check main(): exit codes (contract)', () => {
  it('0 when every policy holds', async () => {
    const result = await run(['--env', 'before']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/policy-check before: 0 failed, 0 could not be checked, 0 waived, \d+ passed/);
    expect(result.code).toBe(0);
  });

  it('1 when a policy is violated, with the fix', async () => {
    const result = await run(['--env', 'after']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('dead-letter target');
    expect(result.stdout).toContain('rabbitmqctl set_policy');
  });

  it('parity: the 2021 migration (policy lost on the new broker) is caught', async () => {
    const result = await run(['--env', 'after', '--baseline', 'before', '--format', 'json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { baseline: string; findings: { check: string; status: string; queue: string }[] };
    expect(report.baseline).toBe('before');
    const lost = report.findings.filter((finding) => finding.status === 'fail' && finding.queue === 'export-commands').map((finding) => finding.check);
    expect(lost).toEqual(expect.arrayContaining(['parity.maxDeliveries', 'parity.deadLetterTarget', 'deadLetter', 'consumerRetry']));
  });

  it('--source adds file sources to an environment that has none', async () => {
    expect((await run(['--env', 'bare'])).code).toBe(2);
    expect((await run(['--env', 'bare', '--source', join(workspace.dir, 'before.json')])).code).toBe(0);
  });

  it('2 for an unknown environment, naming the known ones', async () => {
    const result = await run(['--env', 'nope']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^policy-check: .*environments\/nope\.yaml: unknown environment 'nope' \(known: after, bare, before\)\n$/);
  });

  it('2 for malformed YAML and schema violations, naming file:line:col', async () => {
    const file = join(workspace.policies, 'zz-broken.yaml');
    try {
      await writeFile(file, 'name: broken\nappliesTo: [export-commands]\nchecks:\n  retryDelay: { minSeconds: 1, severity: warning, jitter: 2 }\n');
      const schema = await run(['--env', 'before']);
      expect(schema.code).toBe(2);
      expect(schema.stderr).toBe(`policy-check: ${file}:4:51: unknown key 'jitter' in checks.retryDelay\n`);
      await writeFile(file, 'name: broken\nchecks: [unclosed\n');
      const malformed = await run(['--env', 'before']);
      expect(malformed.code).toBe(2);
      expect(malformed.stderr).toMatch(new RegExp(`^policy-check: ${file.replaceAll('.', '\\.')}:\\d+:\\d+: invalid YAML`));
      await writeFile(file, '');
      expect((await run(['--env', 'before'])).code).toBe(2);
    } finally {
      await rm(file, { force: true });
    }
  });

  it('2 for an unreachable broker, without a stack trace', async () => {
    const port = await closedPort();
    await writeFile(join(workspace.policies, 'environments', 'down.yaml'), `name: down\nrabbitmq: { managementUrl: "http://127.0.0.1:${port}", vhost: / }\nqueues: { export-commands: { name: q } }\n`);
    const result = await run(['--env', 'down']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`policy-check: cannot reach RabbitMQ management API at http://127.0.0.1:${port}: connection refused (ECONNREFUSED)\n`);
    expectNoStack(result.stderr);
  });

  it('2 for missing or rejected credentials, which never appear in any output', async () => {
    await writeFile(
      join(workspace.policies, 'environments', 'secured.yaml'),
      'name: secured\nrabbitmq:\n  managementUrl: http://127.0.0.1:15672\n  vhost: /\n  credentials: { usernameEnv: PC_TEST_USER, passwordEnv: PC_TEST_PASSWORD }\nqueues: { export-commands: { name: q } }\n',
    );
    const missing = await run(['--env', 'secured']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/secured\.yaml:5: environment variable PC_TEST_USER is not set/);
    const secret = 'Sup3r-s3cret-pa55word';
    const rejected = await run(['--env', 'secured', '--format', 'json'], { PC_TEST_USER: 'guest', PC_TEST_PASSWORD: secret });
    expect(rejected.code).toBe(2);
    expect(rejected.stderr).toMatch(/authentication failed/);
    expect(rejected.stdout + rejected.stderr).not.toContain(secret);
  });

  it('2 for a bad --format or option, with the choices', async () => {
    const result = await run(['--env', 'before', '--format', 'xml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Allowed choices are table, json, junit, sarif, github, markdown/);
    expect((await run([])).code).toBe(2);
  });

  it('--help exits 0 and lists the formats from the registry', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/--format <format>[\s\S]*Formats:[\s\S]*\n {2}sarif +SARIF 2\.1\.0/);
  });

  it('--output writes the report; github also appends the step summary', async () => {
    const output = join(workspace.dir, 'report.sarif');
    const sarif = await run(['--env', 'after', '--format', 'sarif', '--output', output]);
    expect(sarif.code).toBe(1);
    expect(sarif.stdout).toBe('');
    expect(JSON.parse(await readFile(output, 'utf8'))).toMatchObject({ version: '2.1.0' });
    const summary = join(workspace.dir, 'summary.md');
    await writeFile(summary, '# earlier step\n');
    const github = await run(['--env', 'after', '--format', 'github'], { GITHUB_STEP_SUMMARY: summary });
    expect(github.stdout).toMatch(/^::error file=/m);
    expect(await readFile(summary, 'utf8')).toMatch(/^# earlier step\n## policy-check after/);
  });

  it('colours the table on a TTY unless NO_COLOR is set', async () => {
    expect((await run(['--env', 'after'], {}, { isTTY: true })).stdout).toContain('\u001b[');
    expect((await run(['--env', 'after'], { NO_COLOR: '1' }, { isTTY: true })).stdout).not.toContain('\u001b[');
  });

  it('an expired waiver fails the run', async () => {
    const file = join(workspace.policies, 'esr-export-commands.yaml');
    const original = await readFile(file, 'utf8');
    await writeFile(file, `${original}waivers:\n  - { queue: export-commands, check: retryDelay, reason: "wait queue comes with the migration", expires: 2026-11-26 }\n`);
    try {
      const result = await run(['--env', 'before', '--format', 'json']);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('"check": "waiver"');
      expect((await run(['--env', 'before'], {}, { today: '2026-11-26' })).code).toBe(0);
    } finally {
      await writeFile(file, original);
    }
  });
});
