import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { closedPort } from '../support/rabbitmq-management.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/policy-check.js';
import { CHECK_REGISTRY } from '../../src/evaluate/checks/registry.js';
import { XMLValidator } from 'fast-xml-parser';
import { existsSync } from 'node:fs';
import { loadEnvironment } from '../../src/policy/load.js';
import { capture, definitions, makeWorkspace } from './workspace.js';

let workspace: Awaited<ReturnType<typeof makeWorkspace>>;
beforeAll(async () => {
  workspace = await makeWorkspace();
});
afterAll(async () => workspace.cleanup());

async function run(args: string[], environ: Record<string, string | undefined> = {}, options: { isTTY?: boolean; today?: string; cwd?: string } = {}) {
  const captured = capture(environ, options);
  const code = await main(['--policies', workspace.policies, ...args], { ...captured.io, ...(options.cwd ? { cwd: options.cwd } : {}) });
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
    expect(lost).toEqual(expect.arrayContaining(['ESR-PARITY-001', 'ESR-DLQ-001', 'ESR-CONSUMER-001']));
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
    expect(result.stderr).toBe("policy-check: --format: unknown format 'xml'; expected one of table, json, junit, sarif, github, markdown (optionally =FILE)\n");
    expect((await run([])).code).toBe(2);
  });

  it('--help exits 0 and lists the formats from the registry', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/-f, --format <format\[=file\]>[\s\S]*Formats:[\s\S]*\n {2}sarif +SARIF 2\.1\.0/);
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
      expect(result.stdout).toContain('"check": "ESR-WAIVER-001"');
      expect((await run(['--env', 'before'], {}, { today: '2026-11-26' })).code).toBe(0);
    } finally {
      await writeFile(file, original);
    }
  });
});

/** In-process without --policies (config files, init): `cwd` decides. */
async function runIn(cwd: string, args: string[]) {
  const captured = capture();
  const code = await main(args, { ...captured.io, cwd });
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

describe('policy-check: shaped like the tools users know', () => {
  it('several reports from one run: table on stdout, SARIF and JUnit into folders that did not exist', async () => {
    const sarif = join(workspace.dir, 'new', 'deeper', 'out.sarif');
    const junit = join(workspace.dir, 'other', 'out.xml');
    const result = await run(['-e', 'after', '-f', 'table', '-f', `sarif=${sarif}`, '--format', `junit=${junit}`]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^STATUS +SEVERITY/);
    expect(result.stderr).toBe('');
    const log = JSON.parse(await readFile(sarif, 'utf8')) as { runs: { results: { ruleId: string }[] }[] };
    expect(log.runs[0]?.results.map((r) => r.ruleId)).toContain('ESR-DLQ-001');
    const xml = await readFile(junit, 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).toMatch(/<testsuite [^>]*time="\d+\.\d{3}" timestamp="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d" hostname="[^"]+"/);
  });

  it('-o into a folder that does not exist creates it; a path that is a folder is refused before any check runs', async () => {
    const out = join(workspace.dir, 'made', 'by', 'output', 'r.json');
    const made = await run(['-e', 'after', '-f', 'json', '-o', out]);
    expect(made.code).toBe(1);
    expect(made.stdout).toBe('');
    expect(made.stderr).toMatch(/^policy-check after: \d+ failed, .* \(report written to .*r\.json\)\n$/);
    expect(JSON.parse(await readFile(out, 'utf8'))).toMatchObject({ schemaVersion: 1, env: 'after' });
    // 'nope' is not an environment: the output error comes first, so nothing was read.
    const folder = await run(['-e', 'nope', '-o', workspace.dir]);
    expect(folder).toEqual({ code: 2, stdout: '', stderr: `policy-check: cannot write the report to ${workspace.dir}: it is a folder\n` });
    const twoToStdout = await run(['-e', 'after', '-f', 'table', '-f', 'json']);
    expect(twoToStdout.code).toBe(2);
    expect(twoToStdout.stderr).toMatch(/only one report can go to stdout \(table, json\)/);
  });

  it('--soft-fail exits 0 on violations and still 2 when the check could not be made', async () => {
    expect((await run(['-e', 'after'])).code).toBe(1);
    expect((await run(['-e', 'after', '--soft-fail'])).code).toBe(0);
    expect((await run(['-e', 'bare', '--soft-fail'])).code).toBe(2);
  });

  it('--check / --skip-check select by stable id; an unknown id is refused with exit 2', async () => {
    const only = await run(['-e', 'after', '-f', 'json', '--check', 'ESR-RETRY-001', 'ESR-RETRY-002']);
    const onlyChecks = new Set((JSON.parse(only.stdout) as { findings: { check: string }[] }).findings.map((f) => f.check));
    expect([...onlyChecks].sort()).toEqual(['ESR-RETRY-001', 'ESR-RETRY-002']);
    expect(only.code).toBe(0); // the violations are in the checks not selected
    const skipped = await run(['-e', 'after', '-f', 'json', '--skip-check', 'ESR-DLQ-001']);
    const skippedChecks = (JSON.parse(skipped.stdout) as { findings: { check: string }[] }).findings.map((f) => f.check);
    expect(skippedChecks).not.toContain('ESR-DLQ-001');
    expect(skippedChecks.length).toBeGreaterThan(0);
    const unknown = await run(['-e', 'after', '--check', 'retryBudget']);
    expect(unknown).toEqual({ code: 2, stdout: '', stderr: 'policy-check: --check: unknown check id(s) retryBudget; see policy-check list-checks\n' });
  });

  it('--format json lists the queues no policy covers under notCovered, narrowed by --check or not', async () => {
    const withStray = definitions(true) as { queues: object[] };
    withStray.queues.push({ name: 'esr.stray', vhost: '/', durable: true, auto_delete: false, arguments: {} });
    await writeFile(join(workspace.dir, 'stray.json'), JSON.stringify(withStray));
    await writeFile(join(workspace.policies, 'environments', 'stray.yaml'), (await readFile(join(workspace.policies, 'environments', 'before.yaml'), 'utf8')).replace('name: before\nfiles: [../../before.json]', 'name: stray\nfiles: [../../stray.json]'));
    for (const narrowing of [[], ['--check', 'ESR-RETRY-001']]) {
      const result = await run(['-e', 'stray', '-f', 'json', ...narrowing]);
      expect((JSON.parse(result.stdout) as { notCovered?: { queueId: string }[] }).notCovered?.map((queue) => queue.queueId), narrowing.join(' ')).toEqual(['//esr.stray']);
      expect(result.code).toBe(0);
    }
  });

  it('--quiet / --compact show failures only; the counts stay', async () => {
    const full = await run(['-e', 'after']);
    expect(full.stdout).toMatch(/^PASS /m);
    for (const flag of ['--quiet', '-q', '--compact']) {
      const quiet = await run(['-e', 'after', flag]);
      expect(quiet.code).toBe(1);
      expect(quiet.stdout).not.toMatch(/^PASS /m);
      expect(quiet.stdout).toMatch(/^FAIL /m);
      expect(quiet.stdout.trimEnd().split('\n').at(-1)).toBe(full.stdout.trimEnd().split('\n').at(-1));
    }
  });

  it('list-checks: every registered id, title, what it reads and its docs section', async () => {
    const result = await runIn(workspace.dir, ['list-checks']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +TITLE +READS +DOCS$/);
    expect(lines).toHaveLength(CHECK_REGISTRY.length + 1);
    for (const check of CHECK_REGISTRY) {
      const line = lines.find((l) => l.startsWith(`${check.id} `));
      expect(line).toContain(check.title);
      expect(line).toContain(`docs/policies.md#${check.docsAnchor}`);
    }
  });

  it('a config file holds what would otherwise be flags; flags win; a bad one names file:line:col', async () => {
    const dir = join(workspace.dir, 'with-config');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, '.policy-check.yaml'), `env: after\npolicies: ${workspace.policies}\nformat: [json]\nsoftFail: true\n`);
    const fromFile = await runIn(dir, []);
    expect(fromFile.code).toBe(0);
    expect(JSON.parse(fromFile.stdout)).toMatchObject({ env: 'after' });
    const flagWins = await runIn(dir, ['--env', 'before', '--format', 'table']);
    expect(flagWins.code).toBe(0);
    expect(flagWins.stdout).toMatch(/policy-check before: 0 failed/);
    await writeFile(join(dir, 'policy-check.yaml'), 'env: after\nformat: [json]\nsoftfail: true\n');
    const bad = await runIn(dir, []);
    expect(bad).toEqual({ code: 2, stdout: '', stderr: `policy-check: ${join(dir, 'policy-check.yaml')}:3:1: unknown key 'softfail' in the document\n` });
  });

  it('--env missing (no config file) is one line, exit 2, pointing at init', async () => {
    const result = await runIn(workspace.dir, []);
    expect(result).toEqual({ code: 2, stdout: '', stderr: 'policy-check: --env <name> is required (or env: in policy-check.yaml); policy-check init writes a starter\n' });
  });

  it.each(['rabbitmq', 'sqs'] as const)('init --broker %s writes a starter that loads, prints the next command, never overwrites', async (broker) => {
    const dir = join(workspace.dir, `init-${broker}`);
    const first = await runIn(workspace.dir, ['init', '--broker', broker, '--dir', dir]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`next: cd ${dir.replaceAll('.', '\\.')} && npx policy-check\\n$`));
    const env = broker === 'rabbitmq' ? 'local' : 'aws-sqs';
    expect(await readFile(join(dir, 'policy-check.yaml'), 'utf8')).toContain(`env: ${env}`);
    expect(existsSync(join(dir, 'policies', 'esr-export-commands.yaml'))).toBe(true);
    const environment = await loadEnvironment(join(dir, 'policies'), env);
    expect(environment.name).toBe(env);
    const again = await runIn(workspace.dir, ['init', '--broker', broker, '--dir', dir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^policy-check: init: .*policies, .*policy-check\.yaml already exist\(s\); init never overwrites/);
  });
});

describe('outside text in human output (issue 13 row 6)', () => {
  it.each(['table', 'github', 'markdown'])('an exchange named "esr.dlx\\n::error::x" in a definitions file starts no workflow command in %s', async (format) => {
    const evil = 'esr.dlx\n::error::x';
    const document = definitions(true) as { exchanges: { name: string }[]; bindings: { source: string }[]; policies: { definition: Record<string, unknown> }[] };
    document.exchanges[0]!.name = evil;
    document.bindings[0]!.source = evil;
    document.policies[0]!.definition['dead-letter-exchange'] = 'esr.missing\n::error::x';
    const file = join(workspace.dir, 'evil.json');
    await writeFile(file, JSON.stringify(document));
    await writeFile(join(workspace.policies, 'environments', 'evil.yaml'), `name: evil\nfiles: [../../evil.json]\nqueues:\n  export-commands: { name: esr.queue.appfilegenerationcommand, consumerConfig: ../consumers/esr-data-exporter.yml }\n  apprecord-created: { name: esr.queue.apprecord.created.dataexporter, consumerConfig: ../consumers/esr-data-exporter.yml }\n`);
    const result = await run(['--env', 'evil', '--format', format]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('esr.missing\\n::error::x');
    expect(result.stdout).not.toMatch(/^\s*::error::x/m);
  });
});
