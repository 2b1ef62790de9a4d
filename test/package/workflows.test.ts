/**
 * The reusable action and the workflows: valid (by @action-validator/core, the schemas GitHub
 * publishes), third-party actions pinned to commit SHAs, permissions declared, service containers
 * health-checked; and the action's own shell steps run here as GitHub runs them, against a
 * definitions export produced by the real RabbitMQ, from a folder that is not the workspace.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateAction, validateWorkflow } from '@action-validator/core';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createVhost, deleteVhost, managementApi } from '../support/rabbitmq-management.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const ACTION = join(ROOT, '.github/actions/policy-check/action.yml');
const WORKFLOWS = readdirSync(join(ROOT, '.github/workflows')).filter((name) => /\.ya?ml$/.test(name)).map((name) => join(ROOT, '.github/workflows', name));

interface Step { uses?: string; run?: string; id?: string; env?: Record<string, string>; 'working-directory'?: string }
interface Job { steps?: Step[]; services?: Record<string, { options?: string }>; permissions?: unknown }
const workflow = (file: string) => parse(readFileSync(file, 'utf8')) as { permissions?: unknown; jobs: Record<string, Job> };
const action = () => parse(readFileSync(ACTION, 'utf8')) as { runs: { steps: Step[] } };

describe('workflow and action files', () => {
  it.each(WORKFLOWS.map((file) => [file.slice(ROOT.length), file]))('%s is a valid workflow', (_name, file) => {
    expect(validateWorkflow(readFileSync(file, 'utf8')).errors).toEqual([]);
  });

  it('the action is a valid action; the validator does reject a broken one', () => {
    expect(validateAction(readFileSync(ACTION, 'utf8')).errors).toEqual([]);
    expect(validateAction('name: x\nruns:\n  using: composite\n  steps:\n    - bogus: 1\n').errors.length).toBeGreaterThan(0);
  });

  it('every third-party action is pinned to a full commit SHA, with the version in a comment', () => {
    const lines = [ACTION, ...WORKFLOWS].flatMap((file) => readFileSync(file, 'utf8').split('\n').filter((line) => /^\s*-?\s*uses:/.test(line)));
    const remote = lines.filter((line) => !/uses:\s*\.\//.test(line));
    expect(remote.length).toBeGreaterThanOrEqual(5);
    for (const line of remote) expect(line).toMatch(/uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  it('every workflow declares permissions; every service container has a health check', () => {
    for (const file of WORKFLOWS) {
      const parsed = workflow(file);
      expect(parsed.permissions, file).toBeDefined();
      for (const job of Object.values(parsed.jobs)) for (const service of Object.values(job.services ?? {})) expect(service.options ?? '', file).toContain('--health-cmd');
    }
  });

  it('a workflow uses the action by path from a checkout that is not the workspace, as another repository would', () => {
    const user = workflow(join(ROOT, '.github/workflows/action-as-a-user.yml'));
    const steps = Object.values(user.jobs).flatMap((job) => job.steps ?? []);
    expect(steps.some((step) => step.uses === './tool/.github/actions/policy-check')).toBe(true);
  });
});

describe('the action, run as GitHub runs its steps', () => {
  const vhost = `gate-action-${randomBytes(4).toString('hex')}`;
  let dir: string;
  let workspace: string;
  beforeAll(async () => {
    expect(existsSync(join(ROOT, 'dist/cli/policy-check.js')), 'run `npm run build` first').toBe(true);
    dir = await mkdtemp(join(tmpdir(), 'esr-action-'));
    workspace = join(dir, 'consumer workspace');
    await mkdir(join(workspace, 'policies', 'environments'), { recursive: true });
    await createVhost(vhost);
    // The consumer's broker: one queue with a dead-letter path, one without; exported as rabbitmqadmin/the UI does.
    await managementApi('PUT', `/exchanges/${vhost}/orders.dlx`, { type: 'fanout', durable: true });
    await managementApi('PUT', `/queues/${vhost}/orders.dlq`, { durable: true });
    await managementApi('POST', `/bindings/${vhost}/e/orders.dlx/q/orders.dlq`, {});
    await managementApi('PUT', `/queues/${vhost}/orders.work`, { durable: true, arguments: { 'x-queue-type': 'quorum', 'x-dead-letter-exchange': 'orders.dlx' } });
    await managementApi('PUT', `/queues/${vhost}/invoices.work`, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    const exported = await managementApi('GET', `/definitions/${vhost}`);
    await writeFile(join(workspace, 'definitions export.json'), JSON.stringify(exported, null, 2));
    await writeFile(join(workspace, 'policies', 'dlq.yaml'), 'name: dlq\nappliesTo: [orders, invoices]\nchecks:\n  deadLetter: { required: true, severity: error }\n');
    await writeFile(join(workspace, 'policies', 'environments', 'ci.yaml'), 'name: ci\nqueues:\n  orders: { name: orders.work }\n  invoices: { name: invoices.work }\n  orders-dlq: { name: orders.dlq }\n');
  }, 60_000);
  afterAll(async () => {
    await deleteVhost(vhost);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The composite action's steps in order, with the inputs and the env GitHub would give them. */
  async function runAction(inputs: Record<string, string>): Promise<{ code: number; log: string; outputs: string; summary: string }> {
    const defaults = { baseline: '', policies: '', sources: '', formats: 'github\nsarif=policy-check.sarif\n', 'soft-fail': 'false', prove: 'false' };
    const given = { ...defaults, ...inputs };
    const actionPath = join(ROOT, '.github/actions/policy-check');
    const files = { output: join(dir, 'output'), summary: join(dir, 'summary.md'), temp: join(dir, 'runner-temp') };
    await writeFile(files.output, '');
    await writeFile(files.summary, '');
    await mkdir(files.temp, { recursive: true });
    let log = '';
    let code = 0;
    for (const step of action().runs.steps) {
      if (step.run === undefined) continue; // the SARIF upload (a pinned remote action) is GitHub's
      const expand = (text: string) => text.replaceAll('${{ github.action_path }}', actionPath).replace(/\$\{\{ inputs\.([\w-]+) \}\}/g, (_m, name: string) => given[name as keyof typeof given] ?? '');
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', GITHUB_OUTPUT: files.output, GITHUB_STEP_SUMMARY: files.summary, RUNNER_TEMP: files.temp };
      for (const [key, value] of Object.entries(step.env ?? {})) env[key] = expand(value);
      const cwd = step['working-directory'] ? expand(step['working-directory']) : workspace;
      const result = spawnSync('bash', ['--noprofile', '--norc', '-e', '-o', 'pipefail', '-c', step.run], { cwd, env, encoding: 'utf8', timeout: 120_000 });
      log += result.stdout + result.stderr;
      code = result.status ?? -1;
      if (code !== 0) break;
    }
    return { code, log, outputs: await readFile(files.output, 'utf8'), summary: await readFile(files.summary, 'utf8') };
  }

  it('sources are a list (a path with spaces stays one path); formats are a list; the summary is written; SARIF is named for upload', async () => {
    const result = await runAction({ env: 'ci', sources: 'definitions export.json\n', formats: 'table\njunit=reports/out.xml\nsarif=reports/out.sarif\n' });
    expect(result.log).toMatch(/FAIL +error +dlq +invoices +ESR-DLQ-001/);
    expect(result.log).toMatch(/PASS +error +dlq +orders +ESR-DLQ-001/);
    expect(result.code).toBe(1);
    expect(result.outputs).toContain('exit-code=1\n');
    expect(result.outputs).toContain('sarif=reports/out.sarif\n');
    expect(result.summary).toMatch(/^## policy-check ci: 1 failed/);
    expect(XMLValidator.validate(await readFile(join(workspace, 'reports/out.xml'), 'utf8'))).toBe(true);
    const sarif = JSON.parse(await readFile(join(workspace, 'reports/out.sarif'), 'utf8')) as { runs: { results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string } } }[] }[] }[] };
    const result0 = sarif.runs[0]?.results[0];
    expect(result0?.ruleId).toBe('ESR-DLQ-001');
    expect(result0?.locations[0]?.physicalLocation.artifactLocation.uriBaseId).toBe('%SRCROOT%');
  });

  it('soft-fail: exit 0 on the violation; still 2 when the check cannot be made', async () => {
    const soft = await runAction({ env: 'ci', sources: 'definitions export.json', 'soft-fail': 'true', formats: 'github' });
    expect(soft.code).toBe(0);
    expect(soft.outputs).toContain('exit-code=0\n');
    expect(soft.log).toMatch(/^::error file=.*::/m);
    expect(soft.summary).toMatch(/^## policy-check ci/);
    const cannot = await runAction({ env: 'ci', sources: 'no such export.json', 'soft-fail': 'true', formats: 'github' });
    expect(cannot.code).toBe(2);
    expect(cannot.log).toMatch(/no such export\.json: file not found/);
  });
});
