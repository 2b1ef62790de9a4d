import { randomUUID } from 'node:crypto';
import { DeleteQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import type { RetryConfig } from '../../src/engine/broker.js';
import { SqsBroker } from '../../src/brokers/sqs/broker.js';
import { isConnectionError, SqsRequestError, SqsUnavailableError } from '../../src/brokers/sqs/client.js';
import { startSqsLocal, type SqsLocal } from '../../src/brokers/sqs-local/server.js';
import { brokerContract, command, HOLDING_QUEUE_PREFIX, ScriptedHandler, waitFor } from './broker.contract.js';

let local: Promise<SqsLocal> | null = null;
let sharedClient: SQSClient | null = null;

/** One local endpoint and one SDK client for the whole file, started on first use. */
async function client(): Promise<SQSClient> {
  local ??= startSqsLocal({ port: 0 });
  const { endpoint } = await local;
  sharedClient ??= new SQSClient({ endpoint, region: 'eu-west-2', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  return sharedClient;
}

afterAll(async () => {
  sharedClient?.destroy();
  if (local) await (await local).close();
});

async function depthOf(sqs: SQSClient, queueName: string): Promise<number> {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible) + Number(Attributes.ApproximateNumberOfMessagesDelayed);
}

async function deleteQueuesNamed(sqs: SQSClient, prefix: string): Promise<void> {
  const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix }));
  await Promise.all(QueueUrls.map((QueueUrl) => sqs.send(new DeleteQueueCommand({ QueueUrl }))));
}

async function openBroker(retry: RetryConfig, extra: Partial<ConstructorParameters<typeof SqsBroker>[0]> = {}) {
  const sqs = await client();
  const queueName = `esr-sqs-test-${randomUUID().slice(0, 8)}`;
  const broker = new SqsBroker({ client: sqs, queueName, retry, waitTimeSeconds: 2, ...extra });
  return {
    sqs,
    queueName,
    broker,
    depth: async () => ({ work: await depthOf(sqs, queueName), deadLetter: await depthOf(sqs, `${queueName}-dlq`) }),
    queueExists: async (name: string) => ((await sqs.send(new ListQueuesCommand({ QueueNamePrefix: name }))).QueueUrls ?? []).some((url) => url.endsWith(`/${name}`)),
    cleanup: async () => {
      await deleteQueuesNamed(sqs, queueName);
      await deleteQueuesNamed(sqs, HOLDING_QUEUE_PREFIX);
    },
  };
}

// With {mode:'none'} the contract expects the 2021 loss: a Spring Cloud AWS 2.x consumer on a queue without redrive policy.
brokerContract('SQS on the local endpoint', (retry) => openBroker(retry, { deleteOnFailureWithoutRedrive: retry.mode === 'none' }));

describe('SqsBroker: SQS specifics', () => {
  it('sets up a RedrivePolicy at the budget, a DLQ that outlives its source, and converges when the retry changes', async () => {
    const under = await openBroker({ mode: 'budget', maxDeliveries: 5, delayMs: 1000 }, { visibilityTimeoutSeconds: 45 });
    try {
      await under.broker.setup();
      const attributes = async (name: string) => {
        const { QueueUrl } = await under.sqs.send(new GetQueueUrlCommand({ QueueName: name }));
        return (await under.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }))).Attributes ?? {};
      };
      const work = await attributes(under.queueName);
      const dlq = await attributes(`${under.queueName}-dlq`);
      expect(JSON.parse(work.RedrivePolicy ?? '{}')).toEqual({ deadLetterTargetArn: dlq.QueueArn, maxReceiveCount: 5 });
      expect(work.VisibilityTimeout).toBe('45');
      expect(Number(dlq.MessageRetentionPeriod)).toBeGreaterThan(Number(work.MessageRetentionPeriod));

      const none = new SqsBroker({ client: under.sqs, queueName: under.queueName, retry: { mode: 'none' } });
      await none.setup();
      expect((await attributes(under.queueName)).RedrivePolicy).toBeUndefined();
      await under.broker.setup();
      expect(JSON.parse((await attributes(under.queueName)).RedrivePolicy ?? '{}').maxReceiveCount).toBe(5);
    } finally {
      await under.cleanup();
    }
  });

  it("with {mode:'none'} and no Spring deletion, a failed command keeps coming back (until retention)", async () => {
    const under = await openBroker({ mode: 'none' }, { visibilityTimeoutSeconds: 1 });
    try {
      await under.broker.setup();
      const stubborn = command('stubborn');
      await under.broker.publish(stubborn);
      const handler = new ScriptedHandler().fail(stubborn.commandId, 'conflict', 2);
      const consumption = await under.broker.consume(handler.handle);
      await waitFor('the command to succeed on its third delivery', () => handler.succeeded.has(stubborn.commandId));
      await consumption.stop();
      expect(handler.deliveries.get(stubborn.commandId)?.map((d) => d.deliveryCount)).toEqual([1, 2, 3]);
      expect(await under.depth()).toEqual({ work: 0, deadLetter: 0 });
    } finally {
      await under.cleanup();
    }
  });

  it('treats a handler that throws as a retry: the command comes back within its budget', async () => {
    const under = await openBroker({ mode: 'budget', maxDeliveries: 3, delayMs: 0 });
    try {
      await under.broker.setup();
      const flaky = command('flaky');
      await under.broker.publish(flaky);
      const counts: number[] = [];
      const consumption = await under.broker.consume(async (delivery) => {
        counts.push(delivery.deliveryCount);
        if (delivery.deliveryCount === 1) throw new Error('store driver bug');
        return { kind: 'nothing-to-export' };
      });
      await waitFor('the second delivery', () => counts.length === 2);
      await consumption.stop();
      expect(counts).toEqual([1, 2]);
      expect(await under.depth()).toEqual({ work: 0, deadLetter: 0 });
    } finally {
      await under.cleanup();
    }
  });

  it('refuses a holding queue name with dots, before moving anything', async () => {
    const under = await openBroker({ mode: 'budget', maxDeliveries: 1, delayMs: 0 });
    try {
      await under.broker.setup();
      const doomed = command('dotted');
      await under.broker.publish(doomed);
      const consumption = await under.broker.consume(new ScriptedHandler().fail(doomed.commandId, 'invalid').handle);
      await waitFor('the command in the DLQ', async () => (await under.depth()).deadLetter === 1);
      await consumption.stop();
      await expect(under.broker.deadLetters.replay({ holdingQueue: 'esr.dlq.2023.09.01' })).rejects.toThrow(/cannot contain dots/);
      expect((await under.depth()).deadLetter).toBe(1);
    } finally {
      await under.cleanup();
    }
  });

  it('wraps SDK errors once: a missing queue is a request error, an unreachable endpoint is a connection error', async () => {
    const sqs = await client();
    const missing = new SqsBroker({ client: sqs, queueName: `esr-missing-${randomUUID().slice(0, 8)}`, retry: { mode: 'none' } });
    const error = await missing.publish(command('nowhere')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SqsRequestError);
    expect((error as SqsRequestError).code).toBe('QueueDoesNotExist');
    expect(isConnectionError(error)).toBe(false);

    const unreachable = new SqsBroker({ endpoint: 'http://127.0.0.1:9', region: 'eu-west-2', retry: { mode: 'none' } });
    const down = await unreachable.setup().catch((caught: unknown) => caught);
    await unreachable.close();
    expect(down).toBeInstanceOf(SqsUnavailableError);
    expect(isConnectionError(down)).toBe(true);
  });
});
