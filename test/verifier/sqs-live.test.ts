import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSqsLocal, type SqsLocal } from '../../src/brokers/sqs-local/server.js';
import { main } from '../../src/cli/policy-check.js';
import { capture, makeWorkspace } from './workspace.js';

/**
 * The ESR policies against live SQS (the real @aws-sdk/client-sqs on the project's local endpoint):
 * a correctly re-created set of queues, and the same queues re-created without RedrivePolicy —
 * with Spring Cloud AWS 2.x every failure becomes a deleted message.
 */
const REGION = 'eu-west-2';
const DAY = 86_400;
let local: SqsLocal;
let client: SQSClient;
let workspace: Awaited<ReturnType<typeof makeWorkspace>>;

async function createQueue(name: string, attributes: Record<string, string> = {}): Promise<string> {
  const created = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const answer = await client.send(new GetQueueAttributesCommand({ QueueUrl: created.QueueUrl ?? '', AttributeNames: ['QueueArn'] }));
  return answer.Attributes?.QueueArn ?? '';
}

const redrive = (arn: string, maxReceiveCount: number) => JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount });

function environment(name: string, prefix: string): string {
  return `name: ${name}
sqs:
  region: ${REGION}
  endpoint: ${local.endpoint}
  queueNamePrefix: ${prefix}
queues:
  export-commands:
    name: ${prefix}appfilegenerationcommand
    consumerConfig: ../consumers/esr-data-exporter-sqs.yml
  apprecord-created:
    name: ${prefix}apprecord-created-dataexporter
    consumerConfig: ../consumers/esr-data-exporter-sqs.yml
  dead-letters:
    name: ${prefix}dlq
`;
}

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test-secret';
  local = await startSqsLocal({ port: 0, region: REGION });
  client = new SQSClient({ region: REGION, endpoint: local.endpoint });
  workspace = await makeWorkspace();

  const dlq = await createQueue('good-dlq', { MessageRetentionPeriod: String(14 * DAY) });
  await createQueue('good-appfilegenerationcommand', { MessageRetentionPeriod: String(4 * DAY), VisibilityTimeout: '60', RedrivePolicy: redrive(dlq, 13) });
  await createQueue('good-apprecord-created-dataexporter', { MessageRetentionPeriod: String(4 * DAY), VisibilityTimeout: '60', RedrivePolicy: redrive(dlq, 5) });
  await createQueue('drift-dlq', { MessageRetentionPeriod: String(14 * DAY) });
  await createQueue('drift-appfilegenerationcommand', { MessageRetentionPeriod: String(4 * DAY) });
  await createQueue('drift-apprecord-created-dataexporter', { MessageRetentionPeriod: String(4 * DAY) });
  await writeFile(join(workspace.policies, 'environments', 'sqs-good.yaml'), environment('sqs-good', 'good-'));
  await writeFile(join(workspace.policies, 'environments', 'sqs-drift.yaml'), environment('sqs-drift', 'drift-'));
  await writeFile(
    join(workspace.policies, 'environments', 'sqs-keyed.yaml'),
    environment('sqs-keyed', 'good-').replace('  queueNamePrefix: good-\n', '  queueNamePrefix: good-\n  credentials: { accessKeyIdEnv: GOOD_KEY_ID, secretAccessKeyEnv: GOOD_SECRET }\n'),
  );
}, 30_000);

afterAll(async () => {
  client?.destroy();
  await local?.close();
  await workspace?.cleanup();
});

async function check(args: string[], environ: Record<string, string> = {}) {
  const captured = capture(environ);
  const code = await main(['--policies', workspace.policies, '--format', 'json', ...args], captured.io);
  const stdout = captured.stdout();
  return { code, stderr: captured.stderr(), findings: stdout ? (JSON.parse(stdout) as { findings: { queue: string; check: string; status: string; fix?: string }[] }).findings : [] };
}

describe('policy-check on live SQS', () => {
  it('reads credentials by the env-var names the environment gives; a name not set is exit 2 at its line', async () => {
    const missing = await check(['--env', 'sqs-keyed']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/sqs-keyed\.yaml:6: environment variable GOOD_KEY_ID is not set/);

    const keyed = await check(['--env', 'sqs-keyed'], { GOOD_KEY_ID: 'AKIDKEYED', GOOD_SECRET: 'very-secret-value' });
    expect(keyed.code).toBe(0);
    expect(JSON.stringify(keyed)).not.toContain('very-secret-value');
  });

  it('queues with a RedrivePolicy to a longer-lived DLQ hold', async () => {
    const result = await check(['--env', 'sqs-good']);
    expect(result.stderr).toBe('');
    expect(result.findings.filter((finding) => finding.status !== 'pass')).toEqual([]);
    expect(result.code).toBe(0);
  });

  it('queues re-created without RedrivePolicy: loss on first failure, caught by policies and by parity', async () => {
    const result = await check(['--env', 'sqs-drift', '--baseline', 'sqs-good']);
    expect(result.code).toBe(1);
    const failed = result.findings.filter((finding) => finding.queue === 'export-commands' && finding.status === 'fail').map((finding) => finding.check);
    expect(failed).toEqual(expect.arrayContaining(['ESR-RETRY-001', 'ESR-DLQ-001', 'ESR-CONSUMER-001', 'ESR-VIS-001', 'ESR-PARITY-001']));
    const fix = result.findings.find((finding) => finding.queue === 'export-commands' && finding.check === 'ESR-RETRY-001')?.fix ?? '';
    // no DLQ in the input: the fix creates one on the same endpoint, asks it the new DLQ's ARN (a local
    // URL does not name its region), then redrives to it
    expect(fix.split('\n').map((line) => line.split(' --')[0])).toEqual(['aws sqs create-queue', 'DLQ_ARN=$(aws sqs get-queue-attributes', 'aws sqs set-queue-attributes']);
    expect(fix).toMatch(/--queue-url http:\/\/127\.0\.0\.1:\d+\/000000000000\/drift-appfilegenerationcommand --attributes "/);
    expect(fix).toContain('$DLQ_ARN');
    expect(fix).toMatch(/maxReceiveCount[^0-9]+13/);
  });
});
