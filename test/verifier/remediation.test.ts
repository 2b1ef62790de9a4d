import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isMap, parseDocument, type YAMLMap } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindQueues } from '../../src/evaluate/bind.js';
import { evaluate } from '../../src/evaluate/evaluate.js';
import type { Report } from '../../src/evaluate/report.js';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startSqsLocal, type SqsLocal } from '../../src/brokers/sqs-local/server.js';
import { rabbitmqLiveSource } from '../../src/sources/rabbitmq-live.js';
import { fileSource } from '../../src/sources/files.js';
import { sqsLiveSource } from '../../src/sources/sqs-live.js';
import { MANAGEMENT_URL, TestVhost } from '../sources/rabbit-admin.js';
import { fixFor } from '../../src/evaluate/remediation.js';
import type { DeadLetterTarget } from '../../src/sources/queue-settings.js';
import { consumer, environment, policy, rabbitQueue, setting, sqsQueue } from './fixtures.js';

const fromFile = (source: string, detail: string) => ({ value: null, from: { source, origin: 'file' as const, detail } });

describe('fixFor: a snippet in the form the queue is managed by', () => {
  it('RabbitMQ classic: the dead-letter path it needs, and the delivery-limit only after a redeclare as quorum', () => {
    const fix = fixFor(rabbitQueue({ queueType: 'classic', deadLetterTarget: setting<DeadLetterTarget>(null, 'broker-default') }), { maxDeliveries: 13, deadLetter: true });
    expect(fix.split('\n')).toEqual([
      `rabbitmqctl set_policy --vhost '/' --apply-to queues --priority 10 'retry-esr.queue.appfilegenerationcommand' '^esr\\.queue\\.appfilegenerationcommand$' '{"dead-letter-exchange":"esr.queue.appfilegenerationcommand.dlx"}'`,
      "rabbitmqadmin --vhost '/' declare exchange name='esr.queue.appfilegenerationcommand.dlx' type=fanout durable=true",
      "rabbitmqadmin --vhost '/' declare queue name='esr.queue.appfilegenerationcommand.dlq' durable=true",
      "rabbitmqadmin --vhost '/' declare binding source='esr.queue.appfilegenerationcommand.dlx' destination='esr.queue.appfilegenerationcommand.dlq' routing_key='esr.queue.appfilegenerationcommand'",
      "# only one policy applies per queue: merge these keys into policy 'esr-retry' instead if it matches",
      // a policy carrying delivery-limit never applies to a classic queue (not even its other keys)
      '# only quorum queues bound deliveries: redeclare esr.queue.appfilegenerationcommand with x-queue-type=quorum (a queue type cannot change in place), then:',
      `rabbitmqctl set_policy --vhost '/' --apply-to queues --priority 10 'retry-esr.queue.appfilegenerationcommand' '^esr\\.queue\\.appfilegenerationcommand$' '{"dead-letter-exchange":"esr.queue.appfilegenerationcommand.dlx","delivery-limit":12}'`,
    ]);
  });

  it('SQS: aws sqs set-queue-attributes with a RedrivePolicy in the queue account and region', () => {
    const fix = fixFor(sqsQueue({ deadLetterTarget: setting<DeadLetterTarget>(null, 'broker-default') }), { maxDeliveries: 13, visibilityTimeoutSeconds: 60 });
    expect(fix).toBe(
      `aws sqs create-queue --queue-name esr-commands-dlq --attributes '{"MessageRetentionPeriod":"1209600"}'\n` +
      `aws sqs set-queue-attributes --queue-url https://sqs.eu-west-2.amazonaws.com/123456789012/esr-commands --attributes '{"RedrivePolicy":"{\\"deadLetterTargetArn\\":\\"arn:aws:sqs:eu-west-2:123456789012:esr-commands-dlq\\",\\"maxReceiveCount\\":\\"13\\"}","VisibilityTimeout":"60"}'`,
    );
  });

  it('CloudFormation: the queue resource properties', () => {
    const queue = sqsQueue({ maxDeliveries: fromFile('cloudformation', 'CommandsQueue.RedrivePolicy'), deadLetterTarget: fromFile('cloudformation', 'CommandsQueue.RedrivePolicy') });
    expect(fixFor(queue, { maxDeliveries: 13, retryDelaySeconds: 2 }).split('\n')).toEqual([
      '  CommandsQueueDlq:',
      '    Type: AWS::SQS::Queue',
      '    Properties:',
      '      QueueName: esr-commands-dlq',
      '      MessageRetentionPeriod: 1209600',
      '  CommandsQueue:',
      '    Type: AWS::SQS::Queue',
      '    Properties:',
      '      RedrivePolicy:',
      '        deadLetterTargetArn: !GetAtt CommandsQueueDlq.Arn',
      '        maxReceiveCount: 13',
      '      DelaySeconds: 2',
    ]);
  });

  it('the consumer: Spring listener retry keys, and a note naming what parity restores', () => {
    const fix = fixFor(rabbitQueue({ consumer: consumer() }), { consumerAttempts: 15, consumerRequeueRejected: false, note: "as in the baseline: rabbitmq-live policy 'esr-retry'" });
    expect(fix.split('\n')).toEqual([
      "# as in the baseline: rabbitmq-live policy 'esr-retry'",
      '# application.yml',
      'spring.rabbitmq.listener.simple:',
      '  default-requeue-rejected: false',
      '  retry:',
      '    enabled: true',
      '    max-attempts: 15',
      '    initial-interval: 1000ms',
    ]);
  });
});

describe('fixes applied for real: RabbitMQ', () => {
  let vhost: TestVhost;
  const estatePolicy = policy({
    appliesTo: [],
    selectors: [{ selector: { pattern: '^esr\\.fix\\.', role: 'work' }, line: 3 }],
    checks: { retryBudget: { minDeliveries: 5, maxDeliveries: 50, severity: 'error' }, deadLetter: { required: true, severity: 'error' } },
  });

  async function check(): Promise<Report> {
    const source = rabbitmqLiveSource({ managementUrl: MANAGEMENT_URL, vhost: vhost.name, username: 'guest', password: 'guest' });
    const read = (await source.load()).map((settings) => ({ settings, source: source.description }));
    return evaluate({ policies: [estatePolicy], target: bindQueues(environment('live', {}), read, new Map()), asOf: '2026-12-01' });
  }

  beforeAll(async () => {
    vhost = await TestVhost.create('sem-fix');
    // a quorum queue with no limit and no dead-letter path, one with a DLX that routes nowhere
    await vhost.channel.assertQueue('esr.fix.bare', { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await vhost.channel.assertExchange('esr.fix.dlx', 'direct', { durable: true });
    await vhost.channel.assertQueue('esr.fix.nowhere', { durable: true, arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': 9, 'x-dead-letter-exchange': 'esr.fix.dlx' } });
  }, 30_000);

  afterAll(async () => {
    await vhost?.close();
  });

  it('each queue gets one fix for all its problems; running it makes every check pass and the broker dead-letters after the policy\'s deliveries', async () => {
    const before = await check();
    const failing = before.findings.filter((finding) => finding.status !== 'pass');
    expect(failing.map((finding) => [finding.queueId, finding.check]).sort()).toEqual([
      [`${vhost.name}/esr.fix.bare`, 'ESR-DLQ-001'],
      [`${vhost.name}/esr.fix.bare`, 'ESR-RETRY-001'],
      [`${vhost.name}/esr.fix.nowhere`, 'ESR-DLQ-001'],
    ]);
    const fixes = new Map(failing.map((finding) => [finding.queueId, finding.fix ?? '']));
    // one finding, one fix; two findings on one queue share it (never two contradictory set_policy)
    expect(new Set(failing.filter((finding) => finding.queueId?.endsWith('bare')).map((finding) => finding.fix)).size).toBe(1);
    for (const fix of fixes.values()) {
      for (const line of fix.split('\n').filter((text) => text !== '' && !text.startsWith('#'))) {
        await promisify(execFile)('sh', ['-c', line], { timeout: 30_000 });
      }
    }
    // policies apply asynchronously: poll the check until it holds (bounded)
    let after = await check();
    for (let tries = 0; tries < 50 && after.findings.some((finding) => finding.status !== 'pass'); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      after = await check();
    }
    expect(after.findings.filter((finding) => finding.status !== 'pass')).toEqual([]);
    expect(await vhost.countDeliveries('esr.fix.bare', ['esr.fix.bare.dlq'])).toEqual({ deliveries: 5, endedIn: 'esr.fix.bare.dlq' });
    expect(await vhost.countDeliveries('esr.fix.nowhere', ['esr.fix.nowhere.dlq'])).toEqual({ deliveries: 10, endedIn: 'esr.fix.nowhere.dlq' });
  }, 90_000);
});

describe('fixes applied for real: the local SQS endpoint, through the AWS CLI', () => {
  const REGION = 'eu-west-2';
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  const environ = { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: REGION, AWS_PAGER: '' };
  let local: SqsLocal;
  let client: SQSClient;
  const prefix = `fix${Math.random().toString(16).slice(2, 8)}-`;
  const sqsPolicy = policy({
    appliesTo: [],
    selectors: [{ selector: { pattern: `^${prefix}`, role: 'work' }, line: 3 }],
    checks: {
      retryBudget: { minDeliveries: 5, maxDeliveries: 50, severity: 'error' },
      deadLetter: { required: true, severity: 'error' },
      visibilityTimeout: { minSeconds: 60, severity: 'error' },
    },
  });

  async function check(): Promise<Report> {
    const source = sqsLiveSource({ region: REGION, endpoint: local.endpoint, queueNamePrefix: prefix, credentials });
    const read = (await source.load()).map((settings) => ({ settings, source: source.description }));
    return evaluate({ policies: [sqsPolicy], target: bindQueues(environment('live', {}), read, new Map()), asOf: '2026-12-01' });
  }

  beforeAll(async () => {
    local = await startSqsLocal({ port: 0, region: REGION });
    client = new SQSClient({ region: REGION, endpoint: local.endpoint, credentials });
    // no redrive and a 10 s visibility timeout; and a queue whose DLQ keeps messages 60 s only
    await client.send(new CreateQueueCommand({ QueueName: `${prefix}commands`, Attributes: { VisibilityTimeout: '10' } }));
    const shortDlq = await client.send(new CreateQueueCommand({ QueueName: `${prefix}records-dlq`, Attributes: { MessageRetentionPeriod: '60' } }));
    const arn = (await client.send(new GetQueueAttributesCommand({ QueueUrl: shortDlq.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn;
    await client.send(new CreateQueueCommand({ QueueName: `${prefix}records`, Attributes: { VisibilityTimeout: '120', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: 8 }) } }));
  }, 30_000);

  afterAll(async () => {
    client?.destroy();
    await local?.close();
  });

  it('each queue gets one CLI fix for all its problems; running it makes every check pass', async () => {
    const before = await check();
    const failing = before.findings.filter((finding) => finding.status !== 'pass');
    expect(failing.map((finding) => [finding.queue, finding.check]).sort()).toEqual([
      [`${prefix}commands`, 'ESR-DLQ-001'],
      [`${prefix}commands`, 'ESR-RETRY-001'],
      [`${prefix}commands`, 'ESR-VIS-001'],
      [`${prefix}records`, 'ESR-DLQ-002'],
    ]);
    const fixes = new Map(failing.map((finding) => [finding.queue, finding.fix ?? '']));
    expect(new Set(failing.filter((finding) => finding.queue === `${prefix}commands`).map((finding) => finding.fix)).size).toBe(1);
    for (const fix of fixes.values()) await promisify(execFile)('sh', ['-e', '-c', fix], { timeout: 60_000, env: environ });
    const after = await check();
    expect(after.findings.filter((finding) => finding.status !== 'pass')).toEqual([]);
    expect(after.findings.find((finding) => finding.queue === `${prefix}commands` && finding.check === 'ESR-RETRY-001')?.actual).toMatch(/^5 /);
  }, 120_000);
});

/**
 * Applies a CloudFormation fix the way a user pastes it: its resources into Resources:, its properties
 * over the existing ones. A JSON template's fix is JSON (entries of Resources), a YAML one's YAML.
 */
function applyCloudFormation(template: string, fix: string, format: 'yaml' | 'json'): string {
  const patchText = fix.split('\n').filter((line) => !line.startsWith('#')).join('\n');
  if (format === 'json') {
    const target = JSON.parse(template) as { Resources: Record<string, { Properties?: Record<string, unknown> }> };
    for (const [id, resource] of Object.entries(JSON.parse(`{${patchText}}`) as Record<string, { Properties: Record<string, unknown> }>)) {
      const existing = target.Resources[id];
      if (existing === undefined) target.Resources[id] = resource;
      else existing.Properties = { ...existing.Properties, ...resource.Properties };
    }
    return `${JSON.stringify(target, null, 2)}\n`;
  }
  const target = parseDocument(template);
  const patch = parseDocument(patchText);
  const resources = target.get('Resources') as YAMLMap;
  for (const pair of (patch.contents as YAMLMap).items) {
    const id = String((pair.key as { value: unknown }).value);
    const existing = resources.get(id, true);
    if (!isMap(existing)) {
      resources.set(id, pair.value);
      continue;
    }
    const properties = (pair.value as YAMLMap).get('Properties') as YAMLMap;
    for (const property of properties.items) (existing.get('Properties') as YAMLMap).set(property.key, property.value);
  }
  return target.toString();
}

describe('fixes applied for real: a CloudFormation template', () => {
  let dir: string;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function check(file: string): Promise<Report> {
    const source = fileSource(file);
    const read = (await source.load()).map((settings) => ({ settings, source: source.description }));
    const cfnPolicy = policy({
      appliesTo: [],
      selectors: [{ selector: { broker: 'sqs', role: 'work' }, line: 3 }],
      checks: { retryBudget: { minDeliveries: 5, maxDeliveries: 50, severity: 'error' }, deadLetter: { required: true, severity: 'error' }, visibilityTimeout: { minSeconds: 60, severity: 'error' } },
    });
    return evaluate({ policies: [cfnPolicy], target: bindQueues(environment('cfn', {}), read, new Map()), asOf: '2026-12-01' });
  }

  it('the fix names the template\'s logical id, declares the DLQ it points at, and the template then passes', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sem-cfn-'));
    const file = join(dir, 'template.yaml');
    await writeFile(file, 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  CommandsQueue:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: esr-cfn-commands\n      VisibilityTimeout: 10\n');
    const before = await check(file);
    const failing = before.findings.filter((finding) => finding.status !== 'pass');
    expect(failing.map((finding) => finding.check).sort()).toEqual(['ESR-DLQ-001', 'ESR-RETRY-001', 'ESR-VIS-001']);
    const fix = failing[0]?.fix ?? '';
    expect(fix).toContain('  CommandsQueue:');
    expect(fix).toContain('!GetAtt CommandsQueueDlq.Arn');
    await writeFile(file, applyCloudFormation(await readFile(file, 'utf8'), fix, 'yaml'));
    const after = await check(file);
    expect(after.findings.filter((finding) => finding.status !== 'pass')).toEqual([]);
    expect(after.findings.map((finding) => finding.queue)).toContain('esr-cfn-commands');
  });
});

/** Applies a Terraform fix the way a user pastes it: each attribute over the same one of the same resource block, new resource blocks appended. */
function applyHcl(tf: string, fix: string): string {
  const depth = (line: string): number => (line.match(/[({[]/g) ?? []).length - (line.match(/[)}\]]/g) ?? []).length;
  /** The attributes of a block body, each with its lines (a jsonencode({…}) spans several). */
  const attributesOf = (body: string[]): { key: string; lines: string[] }[] => {
    const attributes: { key: string; lines: string[] }[] = [];
    for (let i = 0; i < body.length; i++) {
      const key = /^\s+([a-z_]+)\s*=/.exec(body[i] ?? '')?.[1];
      if (key === undefined) continue;
      const lines = [body[i] ?? ''];
      for (let open = depth(body[i] ?? ''); open > 0 && i + 1 < body.length; ) open += depth(lines[lines.push(body[++i] ?? '') - 1] ?? '');
      attributes.push({ key, lines });
    }
    return attributes;
  };
  let lines = tf.split('\n');
  const patch = fix.split('\n').filter((line) => !line.startsWith('#'));
  for (let start = patch.findIndex((line) => line.startsWith('resource ')); start !== -1; start = patch.findIndex((line, i) => i > start && line.startsWith('resource '))) {
    const header = patch[start] ?? '';
    const attributes = attributesOf(patch.slice(start + 1, patch.indexOf('}', start)));
    const at = lines.indexOf(header);
    if (at === -1) {
      lines = [...lines, '', header, ...attributes.flatMap((a) => a.lines), '}'];
      continue;
    }
    for (const attribute of attributes) {
      const end = lines.indexOf('}', at);
      const existing = attributesOf(lines.slice(at + 1, end)).find((a) => a.key === attribute.key);
      const from = existing === undefined ? end : lines.indexOf(existing.lines[0] ?? '', at);
      lines.splice(from, existing?.lines.length ?? 0, ...attribute.lines);
    }
  }
  return lines.join('\n');
}

/** Every failed finding of an SQS corpus topology's file under the corpus's minimums, and the one fix of each queue. */
async function corpusFindings(file: string): Promise<{ failing: Report['findings']; fixes: Map<string, string> }> {
  const source = fileSource(file);
  const read = (await source.load()).map((settings) => ({ settings, source: source.description }));
  const corpusPolicy = policy({
    appliesTo: [],
    selectors: [{ selector: { broker: 'sqs', role: 'work' }, line: 3 }],
    checks: { retryBudget: { minDeliveries: 3, maxDeliveries: 50, severity: 'error' }, deadLetter: { required: true, severity: 'error' } },
  });
  const report = evaluate({ policies: [corpusPolicy], target: bindQueues(environment('corpus', {}), read, new Map()), asOf: '2026-12-01' });
  const failing = report.findings.filter((finding) => finding.status !== 'pass');
  return { failing, fixes: new Map(failing.map((finding) => [finding.queueId ?? finding.queue, finding.fix ?? ''])) };
}

/** The SQS corpus topologies that fail (test/fixtures/exports/sqs): too few receives behind a separate redrive resource, no redrive at all, too many receives. */
const FAILING_SQS = ['s02', 's03', 's04'];

describe('fixes applied for real: Terraform (terraform cannot run here, so a plan finding\'s fix is applied to the .tf the plan was made from and re-read by the .tf reader)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it.each(FAILING_SQS)('%s: the plan\'s fix is HCL, the same the .tf gives, and applied to main.tf it makes every check pass', async (id) => {
    const dir = await mkdtemp(join(tmpdir(), `fix-tf-${id}-`));
    dirs.push(dir);
    const fixture = join('test/fixtures/exports/sqs', id, 'terraform');
    for (const name of ['plan.json', 'main.tf']) await copyFile(join(fixture, name), join(dir, name));
    const fromPlan = await corpusFindings(join(dir, 'plan.json'));
    expect(fromPlan.failing.length).toBeGreaterThan(0);
    for (const fix of fromPlan.fixes.values()) {
      expect(fix).toMatch(/^resource "aws_sqs_queue(_redrive_policy)?" |^# (module\.[^.]+\.)?aws_sqs_queue/);
      expect(fix).not.toMatch(/aws sqs|<url of/);
    }
    // the configuration read directly gives the same fix for each queue
    expect((await corpusFindings(join(dir, 'main.tf'))).fixes).toEqual(fromPlan.fixes);
    let tf = await readFile(join(dir, 'main.tf'), 'utf8');
    for (const fix of fromPlan.fixes.values()) tf = applyHcl(tf, fix);
    await writeFile(join(dir, 'main.tf'), tf);
    await rm(join(dir, 'plan.json')); // the plan describes the configuration before the fix
    const after = await corpusFindings(join(dir, 'main.tf'));
    expect(after.failing, tf).toEqual([]);
  });
});

describe('fixes applied for real: the corpus CloudFormation templates, YAML and JSON', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it.each(FAILING_SQS.flatMap((id) => [[id, 'yaml'], [id, 'json']] as const))('%s %s: the fix is in the template\'s language, names its logical ids, and applied to the template it makes every check pass', async (id, format) => {
    const dir = await mkdtemp(join(tmpdir(), `fix-cfn-${id}-`));
    dirs.push(dir);
    const file = join(dir, `template.${format}`);
    await copyFile(join('test/fixtures/exports/sqs', id, 'cloudformation', `template.${format}`), file);
    const before = await corpusFindings(file);
    expect(before.failing.length).toBeGreaterThan(0);
    for (const fix of before.fixes.values()) {
      if (format === 'json') expect(fix).not.toContain('!GetAtt');
      else expect(fix).toContain('!GetAtt');
    }
    let template = await readFile(file, 'utf8');
    for (const fix of before.fixes.values()) template = applyCloudFormation(template, fix, format);
    await writeFile(file, template);
    expect((await corpusFindings(file)).failing, template).toEqual([]);
  });
});
