/**
 * Live SQS through the real @aws-sdk/client-sqs against the project's local SQS endpoint: each kind
 * of redrive drift, pagination past 1,000 queues, read-only calls, and errors that name no secret.
 */
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSqsLocal, type SqsLocal } from '../../src/brokers/sqs-local/server.js';
import { SourceError } from '../../src/sources/errors.js';
import type { QueueSettings } from '../../src/sources/queue-settings.js';
import { sqsLiveSource } from '../../src/sources/sqs-live.js';
import { startRecordingProxy, type RecordingProxy } from './recording-proxy.js';

const REGION = 'eu-west-2';
const DAY = 86_400;
const BULK = 1_005;

let local: SqsLocal;
let proxy: RecordingProxy;
let client: SQSClient;
let wrongType: string;

async function createQueue(name: string, attributes: Record<string, string> = {}): Promise<string> {
  const created = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const url = created.QueueUrl ?? '';
  const answer = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return answer.Attributes?.QueueArn ?? '';
}

const redrive = (arn: string, maxReceiveCount: number) => JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount });

async function load(prefix: string, endpoint = local.endpoint): Promise<Map<string, QueueSettings>> {
  const queues = await sqsLiveSource({ region: REGION, endpoint, queueNamePrefix: prefix }).load();
  return new Map(queues.map((q) => [q.name, q]));
}

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test-secret-never-printed';
  local = await startSqsLocal({ port: 0, region: REGION });
  proxy = await startRecordingProxy(local.endpoint);
  client = new SQSClient({ region: REGION, endpoint: local.endpoint });

  const dlq = await createQueue('esr-dlq', { MessageRetentionPeriod: String(14 * DAY) });
  await createQueue('esr-commands', { MessageRetentionPeriod: String(4 * DAY), VisibilityTimeout: '60', RedrivePolicy: redrive(dlq, 13) });
  await createQueue('esr-no-redrive');
  await createQueue('esr-receive-once', { RedrivePolicy: redrive(dlq, 1) });
  const fifoDlq = await createQueue('esr-fifo-dlq.fifo', { FifoQueue: 'true', MessageRetentionPeriod: String(14 * DAY) });
  await createQueue('esr-orders.fifo', { FifoQueue: 'true', RedrivePolicy: redrive(fifoDlq, 5) });
  wrongType = await createQueue('esr-wrong-type', { RedrivePolicy: redrive(fifoDlq, 5) }).then(
    () => 'accepted',
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );
  const shortDlq = await createQueue('esr-short-dlq', { MessageRetentionPeriod: String(DAY) });
  await createQueue('esr-long-source', { MessageRetentionPeriod: String(4 * DAY), RedrivePolicy: redrive(shortDlq, 5) });
  for (let i = 0; i < BULK; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, BULK - i) }, (_, j) => client.send(new CreateQueueCommand({ QueueName: `bulk-${String(i + j).padStart(4, '0')}` }))));
  }
}, 60_000);

afterAll(async () => {
  client?.destroy();
  await proxy?.close();
  await local?.close();
});

describe('live SQS against the local endpoint', () => {
  it('reads a correct queue: redrive, DLQ role, retention, visibility', async () => {
    const queues = await load('esr-');
    expect(queues.get('esr-commands')).toMatchObject({
      broker: 'sqs',
      role: 'work',
      queueType: 'standard',
      maxDeliveries: { value: 13, from: { source: 'sqs-live', origin: 'attribute', detail: 'RedrivePolicy' } },
      deadLetterTarget: { value: { kind: 'queue', resolvedQueues: ['esr-dlq'] } },
      visibilityTimeoutSeconds: { value: 60, from: { origin: 'attribute', detail: 'VisibilityTimeout' } },
      retryDelaySeconds: { value: 60 },
      retentionSeconds: { value: 4 * DAY },
    });
    expect(queues.get('esr-commands')?.id).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\d+\/esr-commands$/);
    expect(queues.get('esr-dlq')).toMatchObject({ role: 'dead-letter', retentionSeconds: { value: 14 * DAY } });
  });

  it('missing redrive: unlimited deliveries (retried until retention), no dead-letter target', async () => {
    const queue = (await load('esr-no-redrive')).get('esr-no-redrive');
    expect(queue?.maxDeliveries.value).toBe('unlimited');
    expect(queue?.deadLetterTarget.value).toBeNull();
  });

  it('maxReceiveCount 1: one delivery', async () => {
    expect((await load('esr-receive-once')).get('esr-receive-once')?.maxDeliveries.value).toBe(1);
  });

  it('DLQ of the wrong type: refused by the endpoint as by AWS; each queue and DLQ type is read for the comparison', async () => {
    expect(wrongType).toMatch(/same type/);
    const queues = await load('esr-');
    expect(queues.has('esr-wrong-type')).toBe(false);
    expect(queues.get('esr-orders.fifo')).toMatchObject({ queueType: 'fifo', deadLetterTarget: { value: { resolvedQueues: ['esr-fifo-dlq.fifo'] } } });
    expect(queues.get('esr-fifo-dlq.fifo')).toMatchObject({ queueType: 'fifo', role: 'dead-letter' });
    expect(queues.get('esr-dlq')?.queueType).toBe('standard');
  });

  it('DLQ retention shorter than the source: both retentions are read', async () => {
    const queues = await load('esr-');
    expect(queues.get('esr-long-source')?.retentionSeconds.value).toBe(4 * DAY);
    expect(queues.get('esr-short-dlq')).toMatchObject({ role: 'dead-letter', retentionSeconds: { value: DAY } });
  });

  it('more than 1,000 queues: paginates ListQueues with NextToken and reads them all, read-only', async () => {
    proxy.calls.length = 0;
    const queues = await load('bulk-', proxy.url);
    expect(queues.size).toBe(BULK);
    const operations = proxy.calls.map((call) => call.operation);
    expect(operations.filter((op) => op === 'ListQueues')).toHaveLength(2);
    expect(operations.filter((op) => op === 'GetQueueAttributes')).toHaveLength(BULK);
    expect(new Set(operations)).toEqual(new Set(['ListQueues', 'GetQueueAttributes']));
  });

  it('an unreachable endpoint is a SourceError naming the endpoint, never the credentials', async () => {
    const error = await sqsLiveSource({ region: REGION, endpoint: 'http://127.0.0.1:1' }).load().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).exitCode).toBe(2);
    expect((error as Error).message).toMatch(/cannot reach SQS at http:\/\/127\.0\.0\.1:1/);
    expect((error as Error).message).not.toContain('test-secret-never-printed');
  });
});
