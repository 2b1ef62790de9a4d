import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SqsError, SqsModel, md5OfMessageAttributes } from '../../src/semantics/sqs/model.js';

/** A clock the test moves by hand: the model must read time from it and nowhere else. */
function fakeClock(start = Date.UTC(2021, 6, 31, 14, 0, 0)) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

function setup() {
  const clock = fakeClock();
  const model = new SqsModel({ clock });
  return { clock, model };
}

function createWithDlq(model: SqsModel, maxReceiveCount: number, attributes: Record<string, string> = {}) {
  const dlqUrl = model.createQueue({ QueueName: 'work-dlq', Attributes: { MessageRetentionPeriod: '1209600' } }).QueueUrl;
  const dlqArn = model.getQueueAttributes({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }).Attributes!['QueueArn']!;
  const queueUrl = model.createQueue({
    QueueName: 'work',
    Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount }), ...attributes },
  }).QueueUrl;
  return { queueUrl, dlqUrl, dlqArn };
}

function errorOf(action: () => unknown): SqsError {
  try {
    action();
  } catch (error) {
    if (error instanceof SqsError) return error;
    throw error;
  }
  throw new Error('expected an SqsError');
}

function count(model: SqsModel, queueUrl: string, name: string): number {
  return Number(model.getQueueAttributes({ QueueUrl: queueUrl, AttributeNames: [name] }).Attributes![name]);
}

describe('SqsModel: queues', () => {
  it('creates a queue with AWS defaults, an ARN and a URL', () => {
    const { model } = setup();
    const { QueueUrl } = model.createQueue({ QueueName: 'esr-appfilegenerationcommand' });
    expect(QueueUrl).toBe('https://sqs.us-east-1.amazonaws.com/000000000000/esr-appfilegenerationcommand');
    const attributes = model.getQueueAttributes({ QueueUrl, AttributeNames: ['All'] }).Attributes!;
    expect(attributes).toMatchObject({
      QueueArn: 'arn:aws:sqs:us-east-1:000000000000:esr-appfilegenerationcommand',
      VisibilityTimeout: '30',
      MessageRetentionPeriod: '345600',
      DelaySeconds: '0',
      ReceiveMessageWaitTimeSeconds: '0',
      MaximumMessageSize: '262144',
      ApproximateNumberOfMessages: '0',
    });
    expect(attributes['RedrivePolicy']).toBeUndefined();
  });

  it('is idempotent for the same attributes and refuses different ones', () => {
    const { model } = setup();
    const first = model.createQueue({ QueueName: 'q', Attributes: { VisibilityTimeout: '60' } });
    expect(model.createQueue({ QueueName: 'q', Attributes: { VisibilityTimeout: '60' } })).toEqual(first);
    expect(errorOf(() => model.createQueue({ QueueName: 'q', Attributes: { VisibilityTimeout: '61' } })).code).toBe('QueueNameExists');
  });

  it('validates attribute names and ranges with the AWS error codes', () => {
    const { model } = setup();
    const { QueueUrl } = model.createQueue({ QueueName: 'q' });
    const cases: [Record<string, string>, string][] = [
      [{ VisibilityTimeout: '43201' }, 'InvalidAttributeValue'],
      [{ VisibilityTimeout: '-1' }, 'InvalidAttributeValue'],
      [{ MessageRetentionPeriod: '59' }, 'InvalidAttributeValue'],
      [{ MessageRetentionPeriod: '1209601' }, 'InvalidAttributeValue'],
      [{ DelaySeconds: '901' }, 'InvalidAttributeValue'],
      [{ ReceiveMessageWaitTimeSeconds: '21' }, 'InvalidAttributeValue'],
      [{ VisibilityTimeout: 'soon' }, 'InvalidAttributeValue'],
      [{ Visibility: '30' }, 'InvalidAttributeName'],
      [{ ContentBasedDeduplication: 'true' }, 'InvalidAttributeName'],
    ];
    for (const [Attributes, code] of cases) expect(errorOf(() => model.setQueueAttributes({ QueueUrl, Attributes })).code, JSON.stringify(Attributes)).toBe(code);
    model.setQueueAttributes({ QueueUrl, Attributes: { VisibilityTimeout: '43200', MessageRetentionPeriod: '60' } });
    expect(model.getQueueAttributes({ QueueUrl, AttributeNames: ['VisibilityTimeout'] }).Attributes).toEqual({ VisibilityTimeout: '43200' });
    expect(errorOf(() => model.getQueueAttributes({ QueueUrl, AttributeNames: ['Nope'] })).code).toBe('InvalidAttributeName');
  });

  it('refuses bad names, a .fifo name without FifoQueue, and unknown queues', () => {
    const { model } = setup();
    expect(errorOf(() => model.createQueue({ QueueName: 'esr.dlq.2023.09.01' })).code).toBe('InvalidParameterValue');
    expect(errorOf(() => model.createQueue({ QueueName: 'x'.repeat(81) })).code).toBe('InvalidParameterValue');
    expect(errorOf(() => model.createQueue({ QueueName: 'q.fifo' })).code).toBe('InvalidParameterValue');
    expect(errorOf(() => model.createQueue({ QueueName: 'q', Attributes: { FifoQueue: 'true' } })).code).toBe('InvalidParameterValue');
    expect(errorOf(() => model.getQueueUrl({ QueueName: 'missing' })).code).toBe('QueueDoesNotExist');
    expect(errorOf(() => model.sendMessage({ QueueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/missing', MessageBody: 'x' })).code).toBe('QueueDoesNotExist');
  });

  it('makes a deleted name wait 60 s before it can be created again', () => {
    const { model, clock } = setup();
    const { QueueUrl } = model.createQueue({ QueueName: 'q' });
    model.deleteQueue({ QueueUrl });
    expect(errorOf(() => model.createQueue({ QueueName: 'q' })).code).toBe('QueueDeletedRecently');
    clock.advance(60_000);
    expect(model.createQueue({ QueueName: 'q' }).QueueUrl).toBe(QueueUrl);
  });

  it('lists at most 1,000 queues without MaxResults, and pages through all with it', () => {
    const { model } = setup();
    for (let i = 0; i < 1_005; i++) model.createQueue({ QueueName: `esr-${String(i).padStart(4, '0')}` });
    model.createQueue({ QueueName: 'other' });
    const unpaginated = model.listQueues({ QueueNamePrefix: 'esr-' });
    expect(unpaginated.QueueUrls).toHaveLength(1_000);
    expect(unpaginated.NextToken).toBeUndefined();

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = model.listQueues({ QueueNamePrefix: 'esr-', MaxResults: 400, NextToken: token });
      seen.push(...(page.QueueUrls ?? []));
      token = page.NextToken;
      pages += 1;
    } while (token && pages < 10);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(1_005);
    expect(errorOf(() => model.listQueues({ MaxResults: 1_001 })).code).toBe('InvalidParameterValue');
    expect(model.listQueues({ QueueNamePrefix: 'zzz' }).QueueUrls).toBeUndefined();
  });

  it('tags queues and lists the sources of a dead-letter queue', () => {
    const { model } = setup();
    const { queueUrl, dlqUrl } = createWithDlq(model, 3);
    model.tagQueue({ QueueUrl: queueUrl, Tags: { team: 'tis', env: 'test' } });
    model.untagQueue({ QueueUrl: queueUrl, TagKeys: ['env'] });
    expect(model.listQueueTags({ QueueUrl: queueUrl }).Tags).toEqual({ team: 'tis' });
    expect(model.listDeadLetterSourceQueues({ QueueUrl: dlqUrl }).queueUrls).toEqual([queueUrl]);
  });
});

describe('SqsModel: visibility and receive counts', () => {
  it('hides a received message for the visibility timeout, then delivers it again with a higher count', () => {
    const { model, clock } = setup();
    const { QueueUrl } = model.createQueue({ QueueName: 'q', Attributes: { VisibilityTimeout: '10' } });
    model.sendMessage({ QueueUrl, MessageBody: 'command' });
    const first = model.receiveMessage({ QueueUrl, AttributeNames: ['All'] }).Messages![0]!;
    expect(first.Attributes).toMatchObject({ ApproximateReceiveCount: '1', ApproximateFirstReceiveTimestamp: String(clock.now()), SentTimestamp: String(clock.now()) });
    expect(count(model, QueueUrl, 'ApproximateNumberOfMessagesNotVisible')).toBe(1);
    expect(model.receiveMessage({ QueueUrl }).Messages).toBeUndefined();
    expect(model.nextVisibleAt(QueueUrl)).toBe(clock.now() + 10_000);

    clock.advance(9_999);
    expect(model.receiveMessage({ QueueUrl }).Messages).toBeUndefined();
    clock.advance(1);
    const firstReceivedAt = Number(first.Attributes!['ApproximateFirstReceiveTimestamp']);
    const second = model.receiveMessage({ QueueUrl, MessageSystemAttributeNames: ['ApproximateReceiveCount', 'ApproximateFirstReceiveTimestamp'] }).Messages![0]!;
    expect(second.Attributes).toEqual({ ApproximateReceiveCount: '2', ApproximateFirstReceiveTimestamp: String(firstReceivedAt) });
    expect(second.ReceiptHandle).not.toBe(first.ReceiptHandle);
  });

  it('ignores a delete with a stale receipt handle, and deletes with the current one', () => {
    const { model, clock } = setup();
    const { QueueUrl } = model.createQueue({ QueueName: 'q', Attributes: { VisibilityTimeout: '1' } });
    model.sendMessage({ QueueUrl, MessageBody: 'command' });
    const stale = model.receiveMessage({ QueueUrl }).Messages![0]!.ReceiptHandle;
    clock.advance(1_000);
    const current = model.receiveMessage({ QueueUrl }).Messages![0]!.ReceiptHandle;
    model.deleteMessage({ QueueUrl, ReceiptHandle: stale });
    expect(count(model, QueueUrl, 'ApproximateNumberOfMessagesNotVisible')).toBe(1);
    expect(errorOf(() => model.changeMessageVisibility({ QueueUrl, ReceiptHandle: stale, VisibilityTimeout: 5 })).code).toBe('ReceiptHandleIsInvalid');
    model.deleteMessage({ QueueUrl, ReceiptHandle: current });
    expect(model.nextVisibleAt(QueueUrl)).toBeNull();
    expect(errorOf(() => model.deleteMessage({ QueueUrl, ReceiptHandle: 'not-a-handle' })).code).toBe('ReceiptHandleIsInvalid');
  });

  it('changes visibility of a message in flight: 0 makes it visible at once', () => {
    const { model, clock } = setup();
    const { QueueUrl } = model.createQueue({ QueueName: 'q' });
    model.sendMessage({ QueueUrl, MessageBody: 'command' });
    const handle = model.receiveMessage({ QueueUrl }).Messages![0]!.ReceiptHandle;
    model.changeMessageVisibility({ QueueUrl, ReceiptHandle: handle, VisibilityTimeout: 2 });
    expect(model.nextVisibleAt(QueueUrl)).toBe(clock.now() + 2_000);
    model.changeMessageVisibility({ QueueUrl, ReceiptHandle: handle, VisibilityTimeout: 0 });
    expect(errorOf(() => model.changeMessageVisibility({ QueueUrl, ReceiptHandle: handle, VisibilityTimeout: 5 })).code).toBe('MessageNotInflight');
    expect(errorOf(() => model.changeMessageVisibility({ QueueUrl, ReceiptHandle: handle, VisibilityTimeout: 43_201 })).code).toBe('InvalidParameterValue');
    expect(model.receiveMessage({ QueueUrl }).Messages).toHaveLength(1);
  });

  it('delays messages by DelaySeconds and counts them as delayed', () => {
    const { model, clock } = setup();
    const { QueueUrl } = model.createQueue({ QueueName: 'q', Attributes: { DelaySeconds: '5' } });
    model.sendMessage({ QueueUrl, MessageBody: 'queue delay' });
    model.sendMessage({ QueueUrl, MessageBody: 'own delay', DelaySeconds: 0 });
    expect(count(model, QueueUrl, 'ApproximateNumberOfMessagesDelayed')).toBe(1);
    expect(model.receiveMessage({ QueueUrl, MaxNumberOfMessages: 10 }).Messages!.map((m) => m.Body)).toEqual(['own delay']);
    clock.advance(5_000);
    expect(model.receiveMessage({ QueueUrl, MaxNumberOfMessages: 10 }).Messages!.map((m) => m.Body)).toEqual(['queue delay']);
    expect(errorOf(() => model.sendMessage({ QueueUrl, MessageBody: 'x', DelaySeconds: 901 })).code).toBe('InvalidParameterValue');
  });

  it('delivers a standard queue in enqueue order (the deterministic tie-break), at most 10 at a time', () => {
    const { model } = setup();
    const { QueueUrl } = model.createQueue({ QueueName: 'q' });
    for (let i = 0; i < 12; i++) model.sendMessage({ QueueUrl, MessageBody: `m${i}` });
    expect(model.receiveMessage({ QueueUrl, MaxNumberOfMessages: 10 }).Messages!.map((m) => m.Body)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    expect(errorOf(() => model.receiveMessage({ QueueUrl, MaxNumberOfMessages: 11 })).code).toBe('InvalidParameterValue');
  });
});

describe('SqsModel: redrive and retention', () => {
  it('moves a message to the DLQ on the receive attempted after maxReceiveCount receives', () => {
    const { model, clock } = setup();
    const { queueUrl, dlqUrl } = createWithDlq(model, 3, { VisibilityTimeout: '1' });
    const { MessageId } = model.sendMessage({ QueueUrl: queueUrl, MessageBody: 'conflicting command' });
    for (let receive = 1; receive <= 3; receive++) {
      const message = model.receiveMessage({ QueueUrl: queueUrl, AttributeNames: ['ApproximateReceiveCount'] }).Messages![0]!;
      expect(message.Attributes!['ApproximateReceiveCount']).toBe(String(receive));
      clock.advance(1_000);
    }
    expect(count(model, dlqUrl, 'ApproximateNumberOfMessages')).toBe(0);
    expect(model.receiveMessage({ QueueUrl: queueUrl }).Messages).toBeUndefined();
    expect(count(model, queueUrl, 'ApproximateNumberOfMessages')).toBe(0);
    const dead = model.receiveMessage({ QueueUrl: dlqUrl, AttributeNames: ['All'] }).Messages![0]!;
    expect(dead.MessageId).toBe(MessageId);
    expect(dead.Body).toBe('conflicting command');
    expect(dead.Attributes!['DeadLetterQueueSourceArn']).toBe('arn:aws:sqs:us-east-1:000000000000:work');
  });

  it('with maxReceiveCount 1, the second receive attempt moves it', () => {
    const { model, clock } = setup();
    const { queueUrl, dlqUrl } = createWithDlq(model, 1, { VisibilityTimeout: '0' });
    model.sendMessage({ QueueUrl: queueUrl, MessageBody: 'x' });
    expect(model.receiveMessage({ QueueUrl: queueUrl }).Messages).toHaveLength(1);
    clock.advance(1);
    expect(model.receiveMessage({ QueueUrl: queueUrl }).Messages).toBeUndefined();
    expect(count(model, dlqUrl, 'ApproximateNumberOfMessages')).toBe(1);
  });

  it('without a redrive policy retries until the retention period expires, then the message is gone', () => {
    const { model, clock } = setup();
    const { QueueUrl } = model.createQueue({ QueueName: 'q', Attributes: { VisibilityTimeout: '60', MessageRetentionPeriod: '600' } });
    model.sendMessage({ QueueUrl, MessageBody: 'retried' });
    let receives = 0;
    for (let minute = 0; minute < 20; minute++) {
      if (model.receiveMessage({ QueueUrl }).Messages) receives += 1;
      clock.advance(60_000);
    }
    expect(receives).toBe(10);
    expect(model.nextVisibleAt(QueueUrl)).toBeNull();
    expect(count(model, QueueUrl, 'ApproximateNumberOfMessagesNotVisible')).toBe(0);
  });

  it('keeps the original enqueue time in a standard DLQ: retention counts from the first send', () => {
    const { model, clock } = setup();
    const dlqUrl = model.createQueue({ QueueName: 'dlq', Attributes: { MessageRetentionPeriod: '3600' } }).QueueUrl;
    const dlqArn = model.arnOf('dlq');
    const queueUrl = model.createQueue({
      QueueName: 'work',
      Attributes: { VisibilityTimeout: '1800', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }) },
    }).QueueUrl;
    const sentAt = clock.now();
    model.sendMessage({ QueueUrl: queueUrl, MessageBody: 'old' });
    model.receiveMessage({ QueueUrl: queueUrl });
    clock.advance(1_800_000);
    model.receiveMessage({ QueueUrl: queueUrl });
    const dead = model.receiveMessage({ QueueUrl: dlqUrl, VisibilityTimeout: 0, AttributeNames: ['SentTimestamp'] }).Messages![0]!;
    expect(dead.Attributes!['SentTimestamp']).toBe(String(sentAt));
    clock.advance(1_800_000 - 1);
    expect(count(model, dlqUrl, 'ApproximateNumberOfMessages')).toBe(1);
    clock.advance(1);
    expect(count(model, dlqUrl, 'ApproximateNumberOfMessages')).toBe(0);
  });

  it('rejects a dead-letter target that is missing, of the other type, or that denies the source', () => {
    const { model } = setup();
    const queueUrl = model.createQueue({ QueueName: 'work' }).QueueUrl;
    model.createQueue({ QueueName: 'dlq.fifo', Attributes: { FifoQueue: 'true' } });
    const redrive = (target: string, maxReceiveCount: number | string = 3) => ({
      QueueUrl: queueUrl,
      Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: model.arnOf(target), maxReceiveCount }) },
    });
    const mismatch = errorOf(() => model.setQueueAttributes(redrive('dlq.fifo')));
    expect(mismatch.code).toBe('InvalidAttributeValue');
    expect(mismatch.message).toContain('Dead-letter queue must be same type of queue as the source.');
    expect(errorOf(() => model.setQueueAttributes(redrive('missing'))).message).toContain('Dead letter target does not exist.');
    model.createQueue({ QueueName: 'dlq', Attributes: { RedriveAllowPolicy: JSON.stringify({ redrivePermission: 'denyAll' }) } });
    expect(errorOf(() => model.setQueueAttributes(redrive('dlq'))).code).toBe('InvalidAttributeValue');
    expect(errorOf(() => model.createQueue({ QueueName: 'other', Attributes: redrive('dlq.fifo').Attributes })).code).toBe('InvalidAttributeValue');

    const allowed = model.createQueue({ QueueName: 'dlq2', Attributes: { RedriveAllowPolicy: JSON.stringify({ redrivePermission: 'byQueue', sourceQueueArns: [model.arnOf('work')] }) } });
    expect(allowed.QueueUrl).toContain('dlq2');
    for (const bad of [0, 1_001, 'x']) expect(errorOf(() => model.setQueueAttributes(redrive('dlq2', bad))).code).toBe('InvalidAttributeValue');
    model.setQueueAttributes(redrive('dlq2', '1000'));
    expect(model.getQueueAttributes({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }).Attributes!['RedrivePolicy']).toBe(
      JSON.stringify({ deadLetterTargetArn: model.arnOf('dlq2'), maxReceiveCount: 1000 }),
    );
    model.setQueueAttributes({ QueueUrl: queueUrl, Attributes: { RedrivePolicy: '' } });
    expect(model.getQueueAttributes({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }).Attributes).toBeUndefined();
  });

  it('accepts any redrive target only when asked to (for testing checkers against states AWS refuses)', () => {
    const model = new SqsModel({ clock: fakeClock(), acceptAnyRedriveTarget: true });
    model.createQueue({ QueueName: 'dlq.fifo', Attributes: { FifoQueue: 'true' } });
    const RedrivePolicy = JSON.stringify({ deadLetterTargetArn: model.arnOf('dlq.fifo'), maxReceiveCount: 3 });
    const { QueueUrl } = model.createQueue({ QueueName: 'work', Attributes: { RedrivePolicy } });
    expect(model.getQueueAttributes({ QueueUrl, AttributeNames: ['RedrivePolicy'] }).Attributes).toEqual({ RedrivePolicy });
    expect(errorOf(() => model.setQueueAttributes({ QueueUrl, Attributes: { RedrivePolicy: '{"maxReceiveCount":3}' } })).code).toBe('InvalidAttributeValue');
  });

  it('keeps delivering when the dead-letter queue was deleted after the policy was set', () => {
    const { model, clock } = setup();
    const { queueUrl, dlqUrl } = createWithDlq(model, 1, { VisibilityTimeout: '0' });
    model.deleteQueue({ QueueUrl: dlqUrl });
    model.sendMessage({ QueueUrl: queueUrl, MessageBody: 'x' });
    model.receiveMessage({ QueueUrl: queueUrl });
    clock.advance(1);
    expect(model.receiveMessage({ QueueUrl: queueUrl, AttributeNames: ['ApproximateReceiveCount'] }).Messages![0]!.Attributes).toEqual({ ApproximateReceiveCount: '2' });
  });
});

describe('SqsModel: messages, batches, FIFO', () => {
  it('answers the MD5 of the body and the AWS MD5 of message attributes (known values)', () => {
    const { model } = setup();
    const { QueueUrl } = model.createQueue({ QueueName: 'q' });
    const sent = model.sendMessage({
      QueueUrl,
      MessageBody: 'hello',
      MessageAttributes: { ordinal: { DataType: 'Number', StringValue: '1' }, category: { DataType: 'String', StringValue: 'test' } },
    });
    expect(sent.MD5OfMessageBody).toBe('5d41402abc4b2a76b9719d911017c592');
    // Reference values published with other SQS implementations' tests (sqslite, LocalStack).
    expect(sent.MD5OfMessageAttributes).toBe('d21ae90c49061e927f57df5f5d72be1f');
    expect(md5OfMessageAttributes({ timestamp: { DataType: 'Number', StringValue: '1493147359900' } })).toBe('235c5c510d26fb653d073faed50ae77c');
    expect(md5OfMessageAttributes({ SellerName: { DataType: 'String', StringValue: 'Example Store' } })).toBe('cd28f3b68aeee4b2eac9c66f2f694b58');
    const received = model.receiveMessage({ QueueUrl, MessageAttributeNames: ['All'] }).Messages![0]!;
    expect(received.MD5OfBody).toBe(sent.MD5OfMessageBody);
    expect(received.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
  });

  it('validates bodies and message attributes', () => {
    const { model } = setup();
    const { QueueUrl } = model.createQueue({ QueueName: 'q', Attributes: { MaximumMessageSize: '1024' } });
    expect(errorOf(() => model.sendMessage({ QueueUrl, MessageBody: 'bad \u0001' })).code).toBe('InvalidParameterValue');
    expect(errorOf(() => model.sendMessage({ QueueUrl, MessageBody: '' })).code).toBe('MissingParameter');
    expect(errorOf(() => model.sendMessage({ QueueUrl, MessageBody: 'x'.repeat(1025) })).code).toBe('InvalidParameterValue');
    expect(errorOf(() => model.sendMessage({ QueueUrl, MessageBody: 'x', MessageAttributes: { n: { DataType: 'Number', StringValue: 'abc' } } })).code).toBe('InvalidParameterValue');
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: 'v' }]));
    expect(errorOf(() => model.sendMessage({ QueueUrl, MessageBody: 'x', MessageAttributes: eleven })).code).toBe('InvalidParameterValue');
  });

  it('reports per-entry failures of a batch and rejects malformed batches as a whole', () => {
    const { model } = setup();
    const { QueueUrl } = model.createQueue({ QueueName: 'q' });
    const result = model.sendMessageBatch({ QueueUrl, Entries: [{ Id: 'a', MessageBody: 'ok' }, { Id: 'b', MessageBody: '' }] });
    expect(result.Successful.map((entry) => entry.Id)).toEqual(['a']);
    expect(result.Failed).toEqual([{ Id: 'b', SenderFault: true, Code: 'MissingParameter', Message: expect.any(String) }]);
    expect(errorOf(() => model.sendMessageBatch({ QueueUrl, Entries: [] })).code).toBe('EmptyBatchRequest');
    expect(errorOf(() => model.sendMessageBatch({ QueueUrl, Entries: Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: 'x' })) })).code).toBe('TooManyEntriesInBatchRequest');
    expect(errorOf(() => model.sendMessageBatch({ QueueUrl, Entries: [{ Id: 'a', MessageBody: 'x' }, { Id: 'a', MessageBody: 'y' }] })).code).toBe('BatchEntryIdsNotDistinct');
    expect(errorOf(() => model.sendMessageBatch({ QueueUrl, Entries: [{ Id: 'a.b', MessageBody: 'x' }] })).code).toBe('InvalidBatchEntryId');
    const handle = model.receiveMessage({ QueueUrl }).Messages![0]!.ReceiptHandle;
    const deleted = model.deleteMessageBatch({ QueueUrl, Entries: [{ Id: 'ok', ReceiptHandle: handle }, { Id: 'bad', ReceiptHandle: 'junk' }] });
    expect(deleted.Successful).toEqual([{ Id: 'ok' }]);
    expect(deleted.Failed[0]).toMatchObject({ Id: 'bad', Code: 'ReceiptHandleIsInvalid' });
  });

  it('purges once per 60 seconds', () => {
    const { model, clock } = setup();
    const { QueueUrl } = model.createQueue({ QueueName: 'q' });
    model.sendMessage({ QueueUrl, MessageBody: 'x' });
    model.purgeQueue({ QueueUrl });
    expect(count(model, QueueUrl, 'ApproximateNumberOfMessages')).toBe(0);
    expect(errorOf(() => model.purgeQueue({ QueueUrl })).code).toBe('PurgeQueueInProgress');
    clock.advance(60_000);
    model.purgeQueue({ QueueUrl });
  });

  it('FIFO: needs a group id, deduplicates for 5 minutes, and keeps a group in order while one is in flight', () => {
    const { model, clock } = setup();
    const { QueueUrl } = model.createQueue({ QueueName: 'q.fifo', Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' } });
    expect(errorOf(() => model.sendMessage({ QueueUrl, MessageBody: 'x' })).code).toBe('MissingParameter');
    const first = model.sendMessage({ QueueUrl, MessageBody: 'a1', MessageGroupId: 'a' });
    expect(model.sendMessage({ QueueUrl, MessageBody: 'a1', MessageGroupId: 'a' }).MessageId).toBe(first.MessageId);
    model.sendMessage({ QueueUrl, MessageBody: 'a2', MessageGroupId: 'a' });
    model.sendMessage({ QueueUrl, MessageBody: 'b1', MessageGroupId: 'b' });
    expect(first.SequenceNumber).toMatch(/^\d{20}$/);

    const batch = model.receiveMessage({ QueueUrl, MaxNumberOfMessages: 1 }).Messages!;
    expect(batch.map((m) => m.Body)).toEqual(['a1']);
    expect(model.receiveMessage({ QueueUrl, MaxNumberOfMessages: 10 }).Messages!.map((m) => m.Body)).toEqual(['b1']);
    model.deleteMessage({ QueueUrl, ReceiptHandle: batch[0]!.ReceiptHandle });
    expect(model.receiveMessage({ QueueUrl, MaxNumberOfMessages: 10 }).Messages!.map((m) => m.Body)).toEqual(['a2']);

    clock.advance(5 * 60_000);
    expect(model.sendMessage({ QueueUrl, MessageBody: 'a1', MessageGroupId: 'a' }).MessageId).not.toBe(first.MessageId);
    const plain = model.createQueue({ QueueName: 'plain.fifo', Attributes: { FifoQueue: 'true' } }).QueueUrl;
    expect(errorOf(() => model.sendMessage({ QueueUrl: plain, MessageBody: 'x', MessageGroupId: 'g' })).code).toBe('InvalidParameterValue');
    expect(errorOf(() => model.sendMessage({ QueueUrl: plain, MessageBody: 'x', MessageGroupId: 'g', MessageDeduplicationId: 'd', DelaySeconds: 1 })).code).toBe('InvalidParameterValue');
  });
});

describe('SqsModel: properties', () => {
  type Step = { kind: 'send' } | { kind: 'receive'; max: number } | { kind: 'delete'; pick: number } | { kind: 'advance'; ms: number } | { kind: 'hide'; pick: number; seconds: number };
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.constant<Step>({ kind: 'send' }),
    fc.integer({ min: 1, max: 10 }).map<Step>((max) => ({ kind: 'receive', max })),
    fc.nat(20).map<Step>((pick) => ({ kind: 'delete', pick })),
    fc.integer({ min: 0, max: 40_000 }).map<Step>((ms) => ({ kind: 'advance', ms })),
    fc.tuple(fc.nat(20), fc.integer({ min: 0, max: 60 })).map<Step>(([pick, seconds]) => ({ kind: 'hide', pick, seconds })),
  );

  it('never delivers past maxReceiveCount, counts deliveries 1, 2, 3…, and loses no message', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(step, { minLength: 20, maxLength: 120, size: 'max' }), (maxReceiveCount, steps) => {
        const { model, clock } = setup();
        const { queueUrl, dlqUrl } = createWithDlq(model, maxReceiveCount, { VisibilityTimeout: '20' });
        const sent = new Set<string>();
        const deleted = new Set<string>();
        const lastCount = new Map<string, number>();
        let handles: { id: string; handle: string }[] = [];
        for (const s of steps) {
          if (s.kind === 'send') sent.add(model.sendMessage({ QueueUrl: queueUrl, MessageBody: 'm' }).MessageId);
          if (s.kind === 'advance') clock.advance(s.ms);
          if (s.kind === 'receive') {
            for (const m of model.receiveMessage({ QueueUrl: queueUrl, MaxNumberOfMessages: s.max, AttributeNames: ['ApproximateReceiveCount'] }).Messages ?? []) {
              const count = Number(m.Attributes!['ApproximateReceiveCount']);
              expect(count).toBeLessThanOrEqual(maxReceiveCount);
              expect(count).toBe((lastCount.get(m.MessageId) ?? 0) + 1);
              lastCount.set(m.MessageId, count);
              handles.push({ id: m.MessageId, handle: m.ReceiptHandle });
            }
          }
          const chosen = handles[s.kind === 'delete' || s.kind === 'hide' ? s.pick % Math.max(1, handles.length) : -1];
          if (chosen && s.kind === 'delete') {
            const before = new Set(model.snapshot(queueUrl).map((m) => m.messageId));
            model.deleteMessage({ QueueUrl: queueUrl, ReceiptHandle: chosen.handle });
            const after = new Set(model.snapshot(queueUrl).map((m) => m.messageId));
            const isLatest = chosen.handle === handles.filter((h) => h.id === chosen.id).at(-1)?.handle;
            // Only the latest handle of a message still in the queue deletes it.
            expect(before.has(chosen.id) && !after.has(chosen.id)).toBe(before.has(chosen.id) && isLatest);
            if (before.has(chosen.id) && !after.has(chosen.id)) deleted.add(chosen.id);
            handles = handles.filter((h) => h !== chosen);
          }
          if (chosen && s.kind === 'hide') {
            try {
              model.changeMessageVisibility({ QueueUrl: queueUrl, ReceiptHandle: chosen.handle, VisibilityTimeout: s.seconds });
            } catch (error) {
              expect(['ReceiptHandleIsInvalid', 'MessageNotInflight']).toContain((error as SqsError).code);
            }
          }
        }
        // Retention (4 days in the source, 14 in the DLQ) never elapses within 120 steps of at most 40 s.
        const inSource = model.snapshot(queueUrl).map((m) => m.messageId);
        const inDlq = model.snapshot(dlqUrl).map((m) => m.messageId);
        for (const m of model.snapshot(dlqUrl)) expect(m.receiveCount).toBe(maxReceiveCount);
        expect([...inSource, ...inDlq, ...deleted].sort()).toEqual([...sent].sort());
      }),
      { numRuns: 300, seed: 20210730 },
    );
  });
});
