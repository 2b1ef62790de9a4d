/**
 * File sources: a real `terraform show -json` plan (AWS provider 5.100, made from
 * test/fixtures/sources/terraform/main.tf), CloudFormation in YAML (short tags) and JSON, a RabbitMQ
 * definitions export taken from the real broker, and the errors for files that cannot be read.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OperatingError } from '../../src/errors.js';
import { SourceError } from '../../src/sources/errors.js';
import { fileSource } from '../../src/sources/files.js';
import type { QueueSettings } from '../../src/sources/queue-settings.js';

const FIXTURES = 'test/fixtures/sources';

async function load(file: string): Promise<Map<string, QueueSettings>> {
  return new Map((await fileSource(file).load()).map((q) => [q.name, q]));
}

function get(queues: Map<string, QueueSettings>, name: string): QueueSettings {
  const queue = queues.get(name);
  if (queue === undefined) throw new Error(`${name} not read; read: ${[...queues.keys()].join(', ')}`);
  return queue;
}

async function failure(text: string, name: string): Promise<SourceError> {
  const dir = mkdtempSync(join(tmpdir(), 'h7-files-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  const error = await fileSource(file).load().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(SourceError);
  return error as SourceError;
}

describe('Terraform plan JSON', () => {
  const plan = `${FIXTURES}/terraform/plan.json`;

  /** The plan without the .tf files it was made from: only the plan's JSON to go by. */
  const planAlone = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'readers-plan-'));
    copyFileSync(plan, join(dir, 'plan.json'));
    return join(dir, 'plan.json');
  };

  it('alone, reports a redrive policy whose ARN is unknown until apply as unknown, not as a pass or a failure', async () => {
    const alone = planAlone();
    const commands = get(await load(alone), 'esr-appfilegenerationcommand');
    expect(commands.maxDeliveries).toMatchObject({ value: null, unknown: true, from: { source: 'terraform-plan', detail: 'aws_sqs_queue.commands', file: alone } });
    expect(commands.deadLetterTarget).toMatchObject({ value: null, unknown: true });
    expect(commands).toMatchObject({ id: 'aws_sqs_queue.commands', role: 'work', queueType: 'standard', visibilityTimeoutSeconds: { value: 60 } });
    expect(get(await load(alone), 'esr-notifications').maxDeliveries).toMatchObject({ unknown: true, from: { detail: 'aws_sqs_queue_redrive_policy.notifications' } });
  });

  it('with its .tf files, knows the literal maxReceiveCount although the DLQ ARN waits for apply', async () => {
    const queues = await load(plan);
    expect(get(queues, 'esr-appfilegenerationcommand')).toMatchObject({
      maxDeliveries: { value: 13, from: { detail: 'aws_sqs_queue.commands' } },
      deadLetterTarget: { value: { kind: 'queue', resolvedQueues: ['esr-appfilegenerationcommand-dlq'] } },
      location: { file: `${FIXTURES}/terraform/main.tf`, line: 25 },
    });
    expect(get(queues, 'esr-module-queue')).toMatchObject({ id: 'module.wait.aws_sqs_queue.this', maxDeliveries: { value: 10 } });
    expect(get(queues, 'esr-module-queue').location).toEqual({ file: `${FIXTURES}/terraform/modules/queue/main.tf`, line: 5 });
  });

  it('knows the unknown redrive target from the configuration: the DLQ gets its role', async () => {
    for (const file of [plan, planAlone()]) {
      const queues = await load(file);
      expect(get(queues, 'esr-appfilegenerationcommand-dlq')).toMatchObject({ role: 'dead-letter', retentionSeconds: { value: 1_209_600 } });
      expect(get(queues, 'esr-notifications-dlq').role).toBe('dead-letter');
      expect(get(queues, 'esr-module-queue-dlq').role).toBe('dead-letter');
    }
  });

  it('a separate aws_sqs_queue_redrive_policy resource is the queue redrive', async () => {
    const notifications = get(await load(plan), 'esr-notifications');
    expect(notifications.maxDeliveries).toMatchObject({ value: 5, from: { detail: 'aws_sqs_queue_redrive_policy.notifications' } });
  });

  it('a queue whose configuration sets no redrive policy has none (the plan marks the computed attribute unknown)', async () => {
    const legacy = get(await load(plan), 'esr-legacy-commands');
    expect(legacy.maxDeliveries).toMatchObject({ value: 'unlimited' });
    expect(legacy.maxDeliveries.unknown).toBeUndefined();
    expect(legacy.deadLetterTarget.value).toBeNull();
  });

  it('reads a known redrive policy: maxReceiveCount 1 and the target queue name', async () => {
    const audit = get(await load(plan), 'esr-audit.fifo');
    expect(audit).toMatchObject({
      queueType: 'fifo',
      maxDeliveries: { value: 1 },
      deadLetterTarget: { value: { kind: 'queue', name: 'arn:aws:sqs:eu-west-2:123456789012:esr-audit-dlq.fifo', resolvedQueues: ['esr-audit-dlq.fifo'] } },
    });
  });
});

describe('CloudFormation', () => {
  const yaml = `${FIXTURES}/cloudformation/esr-queues.yaml`;

  it('resolves !Sub names and !Ref counts from parameter defaults, and !GetAtt Queue.Arn to the queue', async () => {
    const queues = await load(yaml);
    const commands = get(queues, 'esr-prod-appfilegenerationcommand');
    expect(commands).toMatchObject({
      id: `${yaml}#CommandQueue`,
      role: 'work',
      maxDeliveries: { value: 13, from: { source: 'cloudformation', origin: 'file', detail: 'CommandQueue.RedrivePolicy', file: yaml, line: 19 } },
      deadLetterTarget: { value: { kind: 'queue', resolvedQueues: ['esr-prod-appfilegenerationcommand-dlq'] } },
      visibilityTimeoutSeconds: { value: 60, from: { line: 17 } },
    });
    expect(get(queues, 'esr-prod-appfilegenerationcommand-dlq').role).toBe('dead-letter');
  });

  it('shows a FIFO queue with a standard DLQ of shorter retention (both drifts, as cfn-lint E3502 does)', async () => {
    const queues = await load(yaml);
    expect(get(queues, 'esr-notifications.fifo')).toMatchObject({ queueType: 'fifo', maxDeliveries: { value: 1 }, retentionSeconds: { value: 345_600, from: { origin: 'broker-default' } } });
    expect(get(queues, 'esr-notifications-dlq')).toMatchObject({ queueType: 'standard', role: 'dead-letter', retentionSeconds: { value: 60 } });
  });

  it('a value the template cannot decide is unknown; a name it cannot decide is the logical id', async () => {
    const queues = await load(yaml);
    expect(get(queues, 'LegacyQueue')).toMatchObject({ retentionSeconds: { value: null, unknown: true }, maxDeliveries: { value: 'unlimited' } });
    expect(get(queues, 'ExternalRedriveQueue')).toMatchObject({ maxDeliveries: { value: 5 }, deadLetterTarget: { value: { resolvedQueues: ['shared-dlq'] } } });
    expect(queues.size).toBe(6); // the QueuePolicy is not a queue
  });

  it('reads JSON templates the same way', async () => {
    const queues = await load(`${FIXTURES}/cloudformation/esr-queues.json`);
    expect(get(queues, 'esr-commands')).toMatchObject({ maxDeliveries: { value: 13 }, visibilityTimeoutSeconds: { value: 90 }, deadLetterTarget: { value: { resolvedQueues: ['esr-commands-dlq'] } } });
    expect(get(queues, 'esr-commands-dlq').role).toBe('dead-letter');
  });
});

describe('RabbitMQ definitions.json (exported from the real broker)', () => {
  const definitions = `${FIXTURES}/definitions.json`;

  it('computes effective settings like the live source: policy, operator policy, version, roles', async () => {
    const queues = await load(definitions);
    expect(get(queues, 'esr.queue.appfilegenerationcommand')).toMatchObject({
      id: 'esr-legacy/esr.queue.appfilegenerationcommand',
      vhost: 'esr-legacy',
      brokerVersion: '3.10.8',
      queueType: 'quorum',
      maxDeliveries: { value: 13, from: { source: 'definitions', origin: 'policy', detail: 'esr-retry', file: definitions } },
      deadLetterTarget: { value: { name: 'esr.dlx', resolvedQueues: ['esr.dlq'] } },
    });
    expect(get(queues, 'esr.queue.apprecord.created.dataexporter').maxDeliveries).toMatchObject({ value: 3, from: { origin: 'operator-policy', detail: 'ops-cap' } });
    expect(get(queues, 'esr.dlq').role).toBe('dead-letter');
    expect(get(queues, 'esr.export.retry.wait')).toMatchObject({ role: 'wait', retryDelaySeconds: { value: 1 } });
    expect(get(queues, 'esr.export.retry.work')).toMatchObject({ role: 'work', retryDelaySeconds: { value: 1 } });
  });
});

describe('files that cannot be read', () => {
  it('malformed JSON names file, line and column', async () => {
    const error = await failure('{\n  "queues": [\n    { "name": "a", }\n  ]\n}\n', 'broken.json');
    expect(error.message).toMatch(/broken\.json:3:\d+: invalid JSON/);
  });

  it('malformed YAML names file, line and column', async () => {
    const error = await failure('Resources:\n  Q:\n    Type: AWS::SQS::Queue\n   Properties: [\n', 'broken.yaml');
    expect(error.message).toMatch(/broken\.yaml:\d+:\d+: /);
  });

  it('an unrecognised document says what was expected', async () => {
    expect((await failure('{"hello": "world"}', 'other.json')).message).toMatch(/unrecognised JSON: expected a Terraform plan/);
    expect((await failure('hello: world\n', 'other.yaml')).message).toMatch(/unrecognised file/);
  });

  it('an alias to nothing or an alias bomb is a SourceError, not a crash', async () => {
    expect((await failure('Resources: *nothing\n', 'dangling.yaml')).message).toMatch(/dangling\.yaml:\d+:\d+: |dangling\.yaml: /);
    const bomb = 'a: &a [1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nResources: {}\n';
    expect((await failure(bomb, 'bomb.yaml')).message).toMatch(/bomb\.yaml: .*alias/i);
  });

  it('a malformed RedrivePolicy names the resource', async () => {
    const template = 'Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      RedrivePolicy: "{not json"\n';
    expect((await failure(template, 'bad-redrive.yaml')).message).toMatch(/bad-redrive\.yaml:5 Q: RedrivePolicy is not valid JSON/);
  });

  it('a missing file is an input error with exit code 2', async () => {
    const error = await fileSource(`${FIXTURES}/does-not-exist.json`).load().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperatingError);
    expect((error as OperatingError).exitCode).toBe(2);
    expect((error as Error).message).toBe(`${FIXTURES}/does-not-exist.json: file not found`);
  });
});
