/**
 * End to end on SQS: the redrive drifts, made on the local SQS endpoint (and, for the DLQ type that
 * the endpoint refuses as AWS does, in a CloudFormation template), fail `policy-check` with exit 1
 * and the right check.
 */
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSqsLocal, type SqsLocal } from '../../src/brokers/sqs-local/server.js';
import { main, type Io } from '../../src/cli/policy-check.js';

const REGION = 'eu-west-2';
const DAY = 86_400;
let local: SqsLocal;
let dir: string;

interface Finding {
  queue: string;
  check: string;
  status: string;
  message: string;
}

async function policyCheck(env: string): Promise<{ code: number; failed: string[]; messages: string[]; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    out: (text) => void (stdout += text),
    err: (text) => void (stderr += text),
    environ: { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
    isTTY: false,
    today: () => '2026-11-27',
  };
  const code = await main(['--policies', join(dir, env), '--env', env, '--format', 'json'], io);
  const findings = stdout === '' ? [] : (JSON.parse(stdout) as { findings: Finding[] }).findings;
  const failed = findings.filter((f) => f.status === 'fail');
  return { code, failed: failed.map((f) => `${f.queue}:${f.check}`).sort(), messages: failed.map((f) => f.message), stderr };
}

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  local = await startSqsLocal({ port: 0, region: REGION });
  const client = new SQSClient({ region: REGION, endpoint: local.endpoint });
  const create = async (name: string, attributes: Record<string, string> = {}): Promise<string> => {
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    const answer = await client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    return answer.Attributes?.QueueArn ?? '';
  };
  const redrive = (arn: string, maxReceiveCount: number) => JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount });
  const dlq = await create('esr-dlq', { MessageRetentionPeriod: String(14 * DAY) });
  const shortDlq = await create('esr-short-dlq', { MessageRetentionPeriod: String(DAY) });
  await create('esr-ok', { RedrivePolicy: redrive(dlq, 13) });
  await create('esr-no-redrive');
  await create('esr-once', { RedrivePolicy: redrive(dlq, 1) });
  await create('esr-short', { MessageRetentionPeriod: String(4 * DAY), RedrivePolicy: redrive(shortDlq, 13) });
  client.destroy();

  dir = await mkdtemp(join(tmpdir(), 'h7-sqs-e2e-'));
  // one policies directory per environment: every environment must bind every queue its policies name
  for (const env of ['sqs-drift', 'cfn-drift']) await mkdir(join(dir, env, 'environments'), { recursive: true });
  const policy = (queues: string[]) =>
    `name: drift-${queues.length}\nappliesTo: [${queues.join(', ')}]\nchecks:\n  retryBudget: { minDeliveries: 5, maxDeliveries: 100, severity: error }\n  deadLetter: { required: true, severity: error }\n`;
  await writeFile(join(dir, 'sqs-drift', 'sqs.yaml'), policy(['ok', 'no-redrive', 'once', 'short']));
  await writeFile(join(dir, 'cfn-drift', 'cfn.yaml'), policy(['notifications']));
  const bind = (names: Record<string, string>) => Object.entries(names).map(([logical, name]) => `  ${logical}:\n    name: ${name}\n`).join('');
  await writeFile(
    join(dir, 'sqs-drift', 'environments', 'sqs-drift.yaml'),
    `name: sqs-drift\nsqs:\n  region: ${REGION}\n  endpoint: ${local.endpoint}\n  queueNamePrefix: esr-\nqueues:\n${bind({ ok: 'esr-ok', 'no-redrive': 'esr-no-redrive', once: 'esr-once', short: 'esr-short' })}`,
  );
  await writeFile(
    join(dir, 'cfn-drift', 'environments', 'cfn-drift.yaml'),
    `name: cfn-drift\nfiles: [${resolve('test/fixtures/sources/cloudformation/esr-queues.yaml')}]\nqueues:\n${bind({ notifications: 'esr-notifications.fifo' })}`,
  );
}, 60_000);

afterAll(async () => {
  await local?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('policy-check on SQS drifts (end to end)', () => {
  it('live SQS: missing redrive, maxReceiveCount 1 and a DLQ of shorter retention each fail; the correct queue passes', async () => {
    const result = await policyCheck('sqs-drift');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(result.failed).toEqual(['no-redrive:ESR-DLQ-001', 'no-redrive:ESR-RETRY-001', 'once:ESR-RETRY-001', 'short:ESR-DLQ-002']);
    expect(result.messages.some((m) => /esr-short-dlq.*86400/.test(m))).toBe(true);
  });

  it('CloudFormation: a FIFO queue with a standard DLQ fails the dead-letter check', async () => {
    const result = await policyCheck('cfn-drift');
    expect(result.code).toBe(1);
    expect(result.failed).toEqual(['notifications:ESR-DLQ-002', 'notifications:ESR-RETRY-001']); // and maxReceiveCount 1
    expect(result.messages.some((m) => /esr-notifications-dlq.*standard/.test(m))).toBe(true);
  });
});
