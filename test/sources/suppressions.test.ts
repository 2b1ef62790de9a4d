/**
 * Inline suppressions in IaC: a Terraform `# policy-check:skip=ID:reason` comment (read from the
 * .tf files next to a plan, or from .tf files read directly) and a CloudFormation
 * `Metadata: { policy-check: { skip: [{ id, reason }] } }` entry waive exactly that check on that
 * queue, reported as waived with the reason; a missing reason or an unknown id is bad input
 * (exit 2, file:line). The plan is the real one of test/fixtures/sources/terraform.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OperatingError } from '../../src/errors.js';
import { exitCode } from '../../src/evaluate/report.js';
import { runPolicyCheck } from '../../src/evaluate/run.js';
import { fileSource } from '../../src/sources/files.js';

const PLAN_DIR = 'test/fixtures/sources/terraform';

/** A copy of the plan's folder whose main.tf has `comment` inserted as the first line of the commands queue's block. */
function planWith(comment: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'readers-skip-'));
  cpSync(PLAN_DIR, dir, { recursive: true });
  const main = readFileSync(join(dir, 'main.tf'), 'utf8').replace('resource "aws_sqs_queue" "legacy" {\n', `resource "aws_sqs_queue" "legacy" {\n  ${comment}\n`);
  writeFileSync(join(dir, 'main.tf'), main);
  return dir;
}

function policies(): string {
  const dir = mkdtempSync(join(tmpdir(), 'readers-skip-policies-'));
  mkdirSync(join(dir, 'environments'));
  writeFileSync(join(dir, 'legacy.yaml'), 'name: legacy-dlq\nappliesTo: [legacy]\nchecks:\n  deadLetter: { required: true, severity: error }\n');
  writeFileSync(join(dir, 'environments', 'iac.yaml'), 'name: iac\nqueues:\n  legacy: { name: esr-legacy-commands }\n');
  return dir;
}

async function failure(path: string): Promise<OperatingError> {
  const error = await fileSource(path).load().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(OperatingError);
  expect((error as OperatingError).exitCode).toBe(2);
  return error as OperatingError;
}

describe('Terraform: # policy-check:skip=ID:reason inside the resource block', () => {
  it('is read from the .tf next to the plan and waives that check, with its reason and line', async () => {
    const dir = planWith('# policy-check:skip=ESR-DLQ-001:legacy queue drained and deleted in Q1');
    const queues = await fileSource(join(dir, 'plan.json')).load();
    const legacy = queues.find((q) => q.name === 'esr-legacy-commands');
    expect(legacy?.suppressions).toEqual([{ checkId: 'ESR-DLQ-001', reason: 'legacy queue drained and deleted in Q1', location: { file: join(dir, 'main.tf'), line: 59 } }]);
    expect(queues.filter((q) => q.suppressions !== undefined).map((q) => q.name)).toEqual(['esr-legacy-commands']);

    const report = await runPolicyCheck({ env: 'iac', policiesDir: policies(), sources: [join(dir, 'plan.json')], asOf: '2026-12-01', environ: {} });
    const finding = report.findings.find((f) => f.queue === 'legacy' && f.check === 'ESR-DLQ-001');
    expect(finding).toMatchObject({ status: 'waived', waiver: { reason: 'legacy queue drained and deleted in Q1', inSource: { line: 59 } } });
    expect(exitCode(report)).toBe(0);
  });

  it('without it the same plan fails: the suppression is what waived it', async () => {
    const report = await runPolicyCheck({ env: 'iac', policiesDir: policies(), sources: [join(PLAN_DIR, 'plan.json')], asOf: '2026-12-01', environ: {} });
    expect(report.findings.find((f) => f.queue === 'legacy' && f.check === 'ESR-DLQ-001')?.status).toBe('fail');
    expect(exitCode(report)).toBe(1);
  });

  it('is read from .tf files given directly too', async () => {
    const dir = planWith('// policy-check:skip=ESR-DLQ-001:kept for the audit trail');
    const legacy = (await fileSource(join(dir, 'main.tf')).load()).find((q) => q.name === 'esr-legacy-commands');
    expect(legacy?.suppressions?.[0]).toMatchObject({ checkId: 'ESR-DLQ-001', reason: 'kept for the audit trail' });
  });

  it('a missing reason or an unknown id is exit 2 naming file:line', async () => {
    const noReason = planWith('# policy-check:skip=ESR-DLQ-001');
    expect((await failure(join(noReason, 'plan.json'))).message).toBe(
      `${join(noReason, 'main.tf')}:59: suppression of ESR-DLQ-001 without a reason: write # policy-check:skip=ESR-DLQ-001:<why this is accepted>`,
    );
    const blank = planWith('# policy-check:skip=ESR-DLQ-001:   ');
    expect((await failure(join(blank, 'plan.json'))).message).toMatch(/main\.tf:59: suppression of ESR-DLQ-001 without a reason/);
    const unknown = planWith('# policy-check:skip=CKV_AWS_27:checkov id by mistake');
    expect((await failure(join(unknown, 'plan.json'))).message).toMatch(/main\.tf:59: suppression of unknown check id 'CKV_AWS_27': expected one of ESR-DLQ-001, /);
  });
});

describe('CloudFormation: Metadata policy-check skip', () => {
  const template = (skip: string): string => {
    const dir = mkdtempSync(join(tmpdir(), 'readers-cfn-skip-'));
    const file = join(dir, 'template.yaml');
    writeFileSync(
      file,
      `AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Legacy:
    Type: AWS::SQS::Queue
    Metadata:
      policy-check:
        skip:
${skip}
    Properties:
      QueueName: esr-legacy-commands
`,
    );
    return file;
  };

  it('waives that check, reported as waived with the reason', async () => {
    const file = template('          - id: ESR-DLQ-001\n            reason: drained; deleted next release');
    const [legacy] = await fileSource(file).load();
    expect(legacy).toMatchObject({ location: { file, line: 3 }, suppressions: [{ checkId: 'ESR-DLQ-001', reason: 'drained; deleted next release', location: { file, line: 8 } }] });
    const report = await runPolicyCheck({ env: 'iac', policiesDir: policies(), sources: [file], asOf: '2026-12-01', environ: {} });
    expect(report.findings.find((f) => f.check === 'ESR-DLQ-001')).toMatchObject({ status: 'waived', waiver: { reason: 'drained; deleted next release' } });
    expect(exitCode(report)).toBe(0);
  });

  it('a missing reason is exit 2 naming file:line', async () => {
    const file = template('          - id: ESR-DLQ-001');
    expect((await failure(file)).message).toBe(`${file}:8: suppression of ESR-DLQ-001 without a reason: write skip: [{ id: ESR-DLQ-001, reason: <why this is accepted> }]`);
    const notAList = template('          id: ESR-DLQ-001');
    expect((await failure(notAList)).message).toMatch(/template\.yaml:6: Legacy Metadata policy-check needs skip: a list of \{ id, reason \}/);
  });
});
