import { randomUUID } from 'node:crypto';
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  InvalidAttributeName,
  InvalidAttributeValue,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  MessageNotInflight,
  PurgeQueueCommand,
  PurgeQueueInProgress,
  QueueDoesNotExist,
  QueueNameExists,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
  SQSServiceException,
  TagQueueCommand,
  TooManyEntriesInBatchRequest,
  UnsupportedOperation,
  UntagQueueCommand,
} from '@aws-sdk/client-sqs';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../src/cli/errors.js';
import { registerSqsLocal } from '../../src/cli/export/sqs-local.js';
import { md5OfMessageAttributes } from '../../src/semantics/sqs/model.js';
import { startSqsLocal, type SqsLocal } from '../../src/brokers/sqs-local/server.js';

let local: SqsLocal;
let sqs: SQSClient;
const run = randomUUID().slice(0, 8);
const name = (what: string) => `esr-local-${run}-${what}`;

beforeAll(async () => {
  local = await startSqsLocal({ port: 0, region: 'eu-west-2' });
  sqs = new SQSClient({ endpoint: local.endpoint, region: 'eu-west-2', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'any' } });
});

afterAll(async () => {
  sqs.destroy();
  await local.close();
});

async function createQueue(what: string, Attributes?: Record<string, string>): Promise<string> {
  return (await sqs.send(new CreateQueueCommand({ QueueName: name(what), Attributes }))).QueueUrl!;
}

async function arnOf(QueueUrl: string): Promise<string> {
  return (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
}

describe('local SQS endpoint: queues through the real SDK', () => {
  it('creates, finds, configures, tags and deletes queues', async () => {
    const QueueUrl = await createQueue('lifecycle', { VisibilityTimeout: '45' });
    expect(QueueUrl).toBe(`${local.endpoint}/000000000000/${name('lifecycle')}`);
    expect((await sqs.send(new GetQueueUrlCommand({ QueueName: name('lifecycle') }))).QueueUrl).toBe(QueueUrl);
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { MessageRetentionPeriod: '600' } }));
    const attributes = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }))).Attributes!;
    expect(attributes).toMatchObject({ VisibilityTimeout: '45', MessageRetentionPeriod: '600', QueueArn: `arn:aws:sqs:eu-west-2:000000000000:${name('lifecycle')}` });

    await sqs.send(new TagQueueCommand({ QueueUrl, Tags: { team: 'tis', keep: 'no' } }));
    await sqs.send(new UntagQueueCommand({ QueueUrl, TagKeys: ['keep'] }));
    expect((await sqs.send(new ListQueueTagsCommand({ QueueUrl }))).Tags).toEqual({ team: 'tis' });

    await sqs.send(new DeleteQueueCommand({ QueueUrl }));
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: name('lifecycle') }))).rejects.toBeInstanceOf(QueueDoesNotExist);
  });

  it('raises the SDK’s typed exceptions', async () => {
    const QueueUrl = await createQueue('errors');
    await expect(sqs.send(new SendMessageCommand({ QueueUrl: `${local.endpoint}/000000000000/missing-${run}`, MessageBody: 'x' }))).rejects.toBeInstanceOf(QueueDoesNotExist);
    await expect(sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { VisibilityTimeout: '43201' } }))).rejects.toBeInstanceOf(InvalidAttributeValue);
    await expect(sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Visibility: '1' } as Record<string, string> }))).rejects.toBeInstanceOf(InvalidAttributeName);
    await expect(sqs.send(new CreateQueueCommand({ QueueName: name('errors'), Attributes: { DelaySeconds: '5' } }))).rejects.toBeInstanceOf(QueueNameExists);
    await expect(sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: 'forged' }))).rejects.toBeInstanceOf(ReceiptHandleIsInvalid);
    const entries = Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: 'x' }));
    await expect(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries }))).rejects.toBeInstanceOf(TooManyEntriesInBatchRequest);
    await sqs.send(new PurgeQueueCommand({ QueueUrl }));
    await expect(sqs.send(new PurgeQueueCommand({ QueueUrl }))).rejects.toBeInstanceOf(PurgeQueueInProgress);

    await expect(sqs.send(new ListMessageMoveTasksCommand({ SourceArn: await arnOf(QueueUrl) }))).rejects.toBeInstanceOf(UnsupportedOperation);

    const invalid = await sqs.send(new CreateQueueCommand({ QueueName: 'esr.dlq.2023.09.01' })).catch((error: unknown) => error);
    expect(invalid).toBeInstanceOf(SQSServiceException);
    expect((invalid as SQSServiceException).name).toBe('InvalidParameterValue');
    expect((invalid as SQSServiceException).$metadata.httpStatusCode).toBe(400);
  });

  it('rejects a dead-letter target of the other type and lists dead-letter sources', async () => {
    const fifoDlq = (await sqs.send(new CreateQueueCommand({ QueueName: `${name('dlq')}.fifo`, Attributes: { FifoQueue: 'true' } }))).QueueUrl!;
    const dlq = await createQueue('dlq');
    const work = await createQueue('work');
    const redrive = (arn: string) => ({ QueueUrl: work, Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: 5 }) } });
    const mismatch = await sqs.send(new SetQueueAttributesCommand(redrive(await arnOf(fifoDlq)))).catch((error: unknown) => error);
    expect(mismatch).toBeInstanceOf(InvalidAttributeValue);
    expect((mismatch as Error).message).toContain('Dead-letter queue must be same type of queue as the source.');
    await sqs.send(new SetQueueAttributesCommand(redrive(await arnOf(dlq))));
    expect((await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq }))).queueUrls).toEqual([work]);
  });

  it('pages through more than 1,000 queues; without MaxResults it stops at 1,000', async () => {
    const prefix = name('many-');
    for (let i = 0; i < 1_010; i++) local.model.createQueue({ QueueName: `${prefix}${String(i).padStart(4, '0')}` });
    const unpaginated = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix }));
    expect(unpaginated.QueueUrls).toHaveLength(1_000);
    expect(unpaginated.NextToken).toBeUndefined();
    const urls: string[] = [];
    let NextToken: string | undefined;
    for (let page = 0; page < 5; page++) {
      const answer = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix, MaxResults: 1_000, NextToken }));
      urls.push(...(answer.QueueUrls ?? []));
      NextToken = answer.NextToken;
      if (!NextToken) break;
    }
    expect(new Set(urls).size).toBe(1_010);
  });
});

describe('local SQS endpoint: messages through the real SDK', () => {
  it('sends, receives with attributes, changes visibility and deletes, and the SDK’s MD5 checks pass', async () => {
    const QueueUrl = await createQueue('messages');
    const MessageAttributes = {
      correlationId: { DataType: 'String', StringValue: 'corr-1' },
      attempt: { DataType: 'Number', StringValue: '3' },
      blob: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 2, 250]) },
    };
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: '{"commandId":"c1"} £ ✓', MessageAttributes }));
    const expectedMd5 = md5OfMessageAttributes({
      correlationId: MessageAttributes.correlationId,
      attempt: MessageAttributes.attempt,
      blob: { DataType: 'Binary', BinaryValue: Buffer.from([0, 1, 2, 250]).toString('base64') },
    });
    expect(sent.MD5OfMessageAttributes).toBe(expectedMd5);

    const [message] = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'] }))).Messages ?? [];
    expect(message?.Body).toBe('{"commandId":"c1"} £ ✓');
    expect(message?.MessageId).toBe(sent.MessageId);
    expect(message?.MD5OfMessageAttributes).toBe(expectedMd5);
    expect(message?.MessageAttributes?.blob?.BinaryValue).toEqual(new Uint8Array([0, 1, 2, 250]));
    expect(message?.Attributes?.ApproximateReceiveCount).toBe('1');

    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: message!.ReceiptHandle, VisibilityTimeout: 0 }));
    await expect(sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: message!.ReceiptHandle, VisibilityTimeout: 5 }))).rejects.toBeInstanceOf(
      MessageNotInflight,
    );
    const again = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }))).Messages![0]!;
    expect(again.Attributes?.ApproximateReceiveCount).toBe('2');
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: again.ReceiptHandle }));
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 0 }))).Messages).toBeUndefined();
  });

  it('batches: send, change visibility and delete ten at a time, with per-entry failures', async () => {
    const QueueUrl = await createQueue('batch');
    const sent = await sqs.send(
      new SendMessageBatchCommand({ QueueUrl, Entries: [...Array.from({ length: 9 }, (_, i) => ({ Id: `m${i}`, MessageBody: `body ${i}` })), { Id: 'bad', MessageBody: 'bad \u0000' }] }),
    );
    expect(sent.Successful).toHaveLength(9);
    expect(sent.Failed).toEqual([expect.objectContaining({ Id: 'bad', SenderFault: true, Code: 'InvalidParameterValue' })]);
    const received = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }))).Messages!;
    expect(received.map((m) => m.Body)).toEqual(Array.from({ length: 9 }, (_, i) => `body ${i}`));
    const changed = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({ QueueUrl, Entries: received.map((m, i) => ({ Id: `c${i}`, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 60 })) }),
    );
    expect(changed.Successful).toHaveLength(9);
    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl, Entries: [...received.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })), { Id: 'forged', ReceiptHandle: 'forged' }] }),
    );
    expect(deleted.Successful).toHaveLength(9);
    expect(deleted.Failed).toEqual([expect.objectContaining({ Id: 'forged', Code: 'ReceiptHandleIsInvalid' })]);
  });

  it('long polling: a waiting receive wakes when a message is sent, and when a hidden one becomes visible', async () => {
    const QueueUrl = await createQueue('long-poll');
    const waiting = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 10 }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'wake up' }));
    const started = performance.now();
    const [message] = (await waiting).Messages ?? [];
    expect(message?.Body).toBe('wake up');
    expect(performance.now() - started).toBeLessThan(5_000);

    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: message!.ReceiptHandle, VisibilityTimeout: 1 }));
    const redelivered = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 10, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
    expect(redelivered.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('2');

    const empty = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
    expect(empty.Messages).toBeUndefined();
  });

  it('redrives to the DLQ on the receive after maxReceiveCount, with the source ARN', async () => {
    const dlq = await createQueue('redrive-dlq');
    const work = await createQueue('redrive', { VisibilityTimeout: '0', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: await arnOf(dlq), maxReceiveCount: 2 }) });
    await sqs.send(new SendMessageCommand({ QueueUrl: work, MessageBody: 'doomed' }));
    for (let i = 0; i < 2; i++) expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: work }))).Messages).toHaveLength(1);
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: work }))).Messages).toBeUndefined();
    const [dead] = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq, MessageSystemAttributeNames: ['DeadLetterQueueSourceArn'] }))).Messages ?? [];
    expect(dead?.Body).toBe('doomed');
    expect(dead?.Attributes?.DeadLetterQueueSourceArn).toBe(await arnOf(work));
  });
});

describe('local SQS endpoint: the wire', () => {
  const post = (target: string | null, body: string) =>
    fetch(`${local.endpoint}/`, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', ...(target ? { 'x-amz-target': target } : {}) }, body });

  it('answers AWS JSON 1.0 errors with __type, message and the query-compatible header', async () => {
    const missing = await post('AmazonSQS.GetQueueUrl', JSON.stringify({ QueueName: `absent-${run}` }));
    expect(missing.status).toBe(400);
    expect(missing.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(missing.headers.get('x-amzn-query-error')).toBe('AWS.SimpleQueueService.NonExistentQueue;Sender');
    expect(await missing.json()).toEqual({ __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'The specified queue does not exist.' });

    const unknown = await post(null, '{}');
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { __type: string }).__type).toBe('com.amazonaws.sqs#UnknownOperation');
    const garbled = await post('AmazonSQS.ListQueues', '{not json');
    expect(((await garbled.json()) as { __type: string }).__type).toBe('com.amazonaws.sqs#SerializationException');
  });
});

describe('local SQS endpoint: hostile requests (issue 13 row 10)', () => {
  const post = (target: string, body: string) =>
    fetch(`${local.endpoint}/`, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': target }, body });

  it.each(['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf'])('AmazonSQS.%s is an unknown operation (400), never an answer from the object behind the lookup', async (member) => {
    const answer = await post(`AmazonSQS.${member}`, '{}');
    expect(answer.status).toBe(400);
    const body = (await answer.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['__type', 'message']);
    expect(body.__type).toBe('com.amazonaws.sqs#UnknownOperation');
  });

  it('the SDK gets a 400 for a malformed body on its first attempt, and does not retry it', async () => {
    const QueueUrl = await createQueue('hostile-sdk');
    const error = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: {} as never })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SQSServiceException);
    expect((error as SQSServiceException).name).toBe('SerializationException');
    expect((error as SQSServiceException).$metadata).toMatchObject({ httpStatusCode: 400, attempts: 1 });
  });
});

describe('local SQS endpoint: observing', () => {
  it('reports each operation before it runs', async () => {
    const seen: string[] = [];
    const observed = await startSqsLocal({ onOperation: (operation) => seen.push(operation) });
    const client = new SQSClient({ endpoint: observed.endpoint, region: 'eu-west-2', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    try {
      const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'observed' }));
      await client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
      await client.send(new ListQueuesCommand({}));
      expect(seen).toEqual(['CreateQueue', 'GetQueueAttributes', 'ListQueues']);
    } finally {
      client.destroy();
      await observed.close();
    }
  });
});

describe('esr-export sqs-local', () => {
  function program(until: () => Promise<void>) {
    const out: string[] = [];
    const err: string[] = [];
    const command = new Command('esr-export').exitOverride().configureOutput({ writeOut: (t) => out.push(t), writeErr: (t) => err.push(t) });
    registerSqsLocal(command, { out: (t) => out.push(t), err: (t) => err.push(t) }, until);
    return { command, out, err };
  }

  it('prints the endpoint, serves the SDK, and stops on the signal', async () => {
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const { command, out } = program(() => stopped);
    const running = command.parseAsync(['sqs-local', '--port', '0'], { from: 'user' });
    const deadline = performance.now() + 5_000;
    while (out.length === 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    const endpoint = out[0]!.trim();
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const client = new SQSClient({ endpoint, region: 'eu-west-2', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    expect((await client.send(new CreateQueueCommand({ QueueName: 'cli-queue' }))).QueueUrl).toBe(`${endpoint}/000000000000/cli-queue`);
    client.destroy();
    stop();
    await running;
  });

  it('refuses a bad port with exit code 2 and one line', async () => {
    const { command } = program(async () => undefined);
    const error = await command.parseAsync(['sqs-local', '--port', 'nine'], { from: 'user' }).catch((caught: unknown) => caught);
    const lines: string[] = [];
    expect(exitCodeFor(error, (t) => lines.push(t))).toBe(2);
    expect(lines.join('')).toBe("error: --port must be an integer from 0 to 65535, got 'nine'\n");
  });
});
