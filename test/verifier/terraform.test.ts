import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/policy-check.js';
import { capture, makeWorkspace } from './workspace.js';

/** A Terraform plan given with --source: values unknown until apply fail closed; fixes are Terraform. */
const plan = {
  format_version: '1.2',
  terraform_version: '1.9.0',
  resource_changes: [
    {
      address: 'aws_sqs_queue.commands',
      mode: 'managed',
      type: 'aws_sqs_queue',
      name: 'commands',
      change: { actions: ['create'], after: { name: 'esr-commands', visibility_timeout_seconds: 30, message_retention_seconds: 345600, delay_seconds: 0, fifo_queue: false }, after_unknown: { arn: true, url: true } },
    },
    {
      address: 'aws_sqs_queue.records',
      mode: 'managed',
      type: 'aws_sqs_queue',
      name: 'records',
      change: { actions: ['create'], after: { name: 'esr-records', visibility_timeout_seconds: 30, message_retention_seconds: 345600, delay_seconds: 0, fifo_queue: false }, after_unknown: { arn: true, url: true, redrive_policy: true } },
    },
  ],
};

let workspace: Awaited<ReturnType<typeof makeWorkspace>>;
beforeAll(async () => {
  workspace = await makeWorkspace();
  await writeFile(join(workspace.dir, 'plan.json'), JSON.stringify(plan));
  await writeFile(
    join(workspace.policies, 'environments', 'planned.yaml'),
    'name: planned\nqueues:\n  export-commands: { name: esr-commands }\n  apprecord-created: { name: esr-records }\n',
  );
});
afterAll(async () => workspace.cleanup());

interface JsonFinding {
  queue: string;
  check: string;
  status: string;
  message: string;
  fix?: string;
}

describe('policy-check --source plan.json', () => {
  it('fails on what the plan lacks, cannot check what is unknown until apply (exit 2), and fixes in Terraform', async () => {
    const captured = capture();
    const code = await main(['--policies', workspace.policies, '--env', 'planned', '--source', join(workspace.dir, 'plan.json'), '--format', 'json'], captured.io);
    expect(captured.stderr()).toBe('');
    const findings = (JSON.parse(captured.stdout()) as { findings: JsonFinding[] }).findings;
    const budget = findings.find((finding) => finding.queue === 'export-commands' && finding.check === 'ESR-RETRY-001');
    expect(budget).toMatchObject({ status: 'fail' });
    expect(budget?.fix).toBe(
      [
        // the plan has no DLQ for it: the fix declares one, then points the real resource at it
        'resource "aws_sqs_queue" "commands_dlq" {',
        '  name                      = "esr-commands-dlq"',
        '  message_retention_seconds = 1209600',
        '}',
        '',
        '# aws_sqs_queue.commands',
        'resource "aws_sqs_queue" "commands" {',
        '  redrive_policy = jsonencode({',
        '    deadLetterTargetArn = aws_sqs_queue.commands_dlq.arn',
        '    maxReceiveCount     = 13',
        '  })',
        // the queue's other problem (ESR-VIS-001) is fixed by the same snippet
        '  visibility_timeout_seconds = 60',
        '}',
      ].join('\n'),
    );
    const unknown = findings.find((finding) => finding.queue === 'apprecord-created' && finding.check === 'ESR-RETRY-001');
    expect(unknown).toMatchObject({ status: 'error' });
    expect(unknown?.message).toMatch(/unknown: known only after apply \(aws_sqs_queue\.records\)/);
    expect(code).toBe(2);
  });
});
