/**
 * The file readers on the artefacts the real tools wrote (test/fixtures/exports/, produced from the
 * RabbitMQ 3.10 here, the AWS CLI and Terraform): each kind detected by content, a per-vhost export
 * keeps its policies, listings given separately are read together, each queue carries its file and
 * line; and the refusals, each one line naming the file.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OperatingError } from '../../src/errors.js';
import { fileSource, filesSource } from '../../src/sources/files.js';
import type { QueueSettings } from '../../src/sources/queue-settings.js';

const RABBIT = 'test/fixtures/exports/rabbitmq';
const SQS = 'test/fixtures/exports/sqs';

function byName(queues: readonly QueueSettings[]): Map<string, QueueSettings> {
  return new Map(queues.map((q) => [q.name, q]));
}

function temp(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'readers-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

async function refusal(paths: string[]): Promise<string> {
  const error = await filesSource(paths).load().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(OperatingError);
  expect((error as OperatingError).exitCode).toBe(2);
  const message = (error as Error).message;
  expect(message).not.toContain('\n');
  return message;
}

describe('RabbitMQ artefacts', () => {
  it('a per-vhost export names no vhost on its queues yet keeps its policies and operator policies', async () => {
    const text = readFileSync(`${RABBIT}/t06/definitions-vhost.json`, 'utf8');
    const parsed = JSON.parse(text) as { queues: object[]; policies: { vhost: string }[] };
    expect(parsed.queues.every((q) => !('vhost' in q))).toBe(true);
    const vhost = parsed.policies[0]?.vhost ?? '';
    const work = byName(await fileSource(`${RABBIT}/t06/definitions-vhost.json`).load()).get('t06.work');
    // user policy 10, operator policy 2: the lower wins → 3 deliveries, as the broker showed
    expect(work).toMatchObject({ vhost, id: `${vhost}/t06.work`, role: 'work', maxDeliveries: { value: 3, from: { origin: 'operator-policy' } } });
  });

  it('the same topology reads the same from every RabbitMQ shape', async () => {
    const shapes = [
      [`${RABBIT}/t05/definitions-vhost.json`],
      [`${RABBIT}/t05/rabbitmqadmin-export.json`],
      [`${RABBIT}/t05/api`],
      [`${RABBIT}/t05/rabbitmqctl`],
      ['queues', 'policies', 'operator-policies', 'exchanges', 'bindings', 'overview'].map((name) => `${RABBIT}/t05/api/${name}.json`),
    ];
    const summaries = await Promise.all(
      shapes.map(async (paths) => {
        const queues = (await filesSource(paths).load()).sort((a, b) => a.name.localeCompare(b.name));
        return queues.map((q) => [q.id, q.role, q.queueType, q.maxDeliveries.value, q.deadLetterTarget.value?.resolvedQueues]);
      }),
    );
    const whole = byName(await fileSource(`${RABBIT}/definitions-broker.json`).load());
    const fromWhole = [whole.get('t05.dlq'), whole.get('t05.work')].map((q) => [q?.id, q?.role, q?.queueType, q?.maxDeliveries.value, q?.deadLetterTarget.value?.resolvedQueues]);
    expect(summaries[0]?.[1]).toEqual(expect.arrayContaining(['work', 'quorum', 4, ['t05.dlq']]));
    for (const summary of [...summaries, fromWhole]) expect(summary).toEqual(summaries[0]);
  });

  it('each queue carries the file and line it is listed on', async () => {
    const file = `${RABBIT}/t01/rabbitmqctl/list_queues.json`;
    const lines = readFileSync(file, 'utf8').split('\n');
    const queues = await filesSource([file, `${RABBIT}/t01/rabbitmqctl/status.json`]).load();
    for (const queue of queues) {
      expect(queue.location?.file).toBe(file);
      expect(lines[(queue.location?.line ?? 0) - 1]).toContain(`"name":"${queue.name}"`);
    }
  });

  it('refuses what it cannot place or read, in one line naming the file', async () => {
    // rabbitmqctl queues (no vhost) next to the policies of two vhosts
    expect(await refusal([`${RABBIT}/t02/rabbitmqctl/list_queues.json`, `${RABBIT}/t02/api/policies.json`, `${RABBIT}/t05/api/policies.json`])).toMatch(
      /list_queues\.json: lists entries without their vhost .* next to entries of vhosts .*: give one vhost's files per source/,
    );
    const noArguments = temp({ 'queues.json': '[\n{"name":"a","messages":0}\n]\n' });
    expect(await refusal([join(noArguments, 'queues.json')])).toMatch(
      /queues\.json:2: a queue listing without the arguments column .*rabbitmqctl list_queues name type arguments policy --formatter json/,
    );
    const unknown = temp({ 'x.json': '{"hello": "world"}\n' });
    expect(await refusal([join(unknown, 'x.json')])).toMatch(/x\.json: unrecognised JSON: expected a Terraform plan/);
  });
});

describe('AWS artefacts', () => {
  it('aws sqs get-queue-attributes output: name from QueueArn, id from list-queues when given', async () => {
    const folder = byName(await fileSource(`${SQS}/s01/aws-cli`).load());
    const urls = (JSON.parse(readFileSync(`${SQS}/s01/aws-cli/list-queues.json`, 'utf8')) as { QueueUrls: string[] }).QueueUrls;
    expect(folder.get('s01-work')).toMatchObject({ id: urls.find((u) => u.endsWith('/s01-work')), role: 'work', maxDeliveries: { value: 5 }, location: { line: 2 } });
    expect(folder.get('s01-dlq')).toMatchObject({ role: 'dead-letter', retentionSeconds: { value: 1_209_600 } });
    // alone, a file's queue is named by its ARN
    const alone = await fileSource(`${SQS}/s01/aws-cli/s01-work.json`).load();
    expect(alone[0]).toMatchObject({ name: 's01-work', id: expect.stringMatching(/^arn:aws:sqs:.*:s01-work$/) });
  });

  it('without QueueArn the queue is named after the file; list-queues alone is refused', async () => {
    const dir = temp({ 'esr-orders.json': '{\n    "Attributes": {\n        "VisibilityTimeout": "45"\n    }\n}\n', 'list.json': '{"QueueUrls": ["https://sqs.eu-west-2.amazonaws.com/1/esr-orders"]}' });
    expect((await fileSource(join(dir, 'esr-orders.json')).load())[0]).toMatchObject({ name: 'esr-orders', visibilityTimeoutSeconds: { value: 45 } });
    expect(await refusal([join(dir, 'list.json')])).toMatch(/list\.json: aws sqs list-queues output names queues but not their attributes/);
  });

  it('.tf read directly resolves what is written and refuses invalid HCL in one line with how to make a plan', async () => {
    const work = byName(await fileSource(`${SQS}/s02/terraform/main.tf`).load()).get('s02-work');
    expect(work).toMatchObject({ id: 'aws_sqs_queue.work', maxDeliveries: { value: 1, from: { detail: 'aws_sqs_queue_redrive_policy.work' } }, location: { line: expect.any(Number) } });
    const dir = mkdtempSync(join(tmpdir(), 'readers-hcl-'));
    cpSync(`${SQS}/s01/terraform/main.tf`, join(dir, 'main.tf'));
    writeFileSync(join(dir, 'main.tf'), `${readFileSync(join(dir, 'main.tf'), 'utf8')}\nresource "aws_sqs_queue" "broken" {\n`);
    expect(await refusal([join(dir, 'main.tf')])).toMatch(/main\.tf:\d+:\d+: invalid Terraform configuration \(.+\); or give a plan: terraform plan -out plan\.out && terraform show -json plan\.out > plan\.json/);
  });
});
