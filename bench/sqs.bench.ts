import { performance } from 'node:perf_hooks';
import { CreateQueueCommand, DeleteMessageBatchCommand, DeleteQueueCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startSqsLocal } from '../src/brokers/sqs-local/server.js';
import { median, round } from './stats.js';

/**
 * Messages per second through the local SQS endpoint with the real SDK: SendMessageBatch, then
 * ReceiveMessage (10 at a time) + DeleteMessageBatch until the queue is empty. Several requests in
 * flight, as a few consumers would have. Median of 3 runs of 10,000 messages. This measures the
 * endpoint and the SDK round trip on loopback, not SQS: it tells whether local tests and replays
 * are bounded by it.
 */
const MESSAGES = 10_000;
const RUNS = 3;
const PARALLEL = 8;

const body = (i: number) => JSON.stringify({ commandId: `bench-${i}`, type: 'APP', localOffice: 'LDN', runDate: '2021-07-31', correlationId: `corr-${i}` });

async function inParallel(workers: number, work: () => Promise<boolean>): Promise<void> {
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (await work());
    }),
  );
}

async function oneRun(sqs: SQSClient, round: number): Promise<{ sendPerSecond: number; receiveDeletePerSecond: number; endToEndPerSecond: number }> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `esr-bench-${round}-${process.pid}` }));
  let nextBatch = 0;
  const started = performance.now();
  await inParallel(PARALLEL, async () => {
    const first = nextBatch++ * 10;
    if (first >= MESSAGES) return false;
    const Entries = Array.from({ length: Math.min(10, MESSAGES - first) }, (_, k) => ({ Id: `m${k}`, MessageBody: body(first + k) }));
    await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries }));
    return true;
  });
  const sent = performance.now();
  let consumed = 0;
  await inParallel(PARALLEL, async () => {
    if (consumed >= MESSAGES) return false;
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    if (Messages.length === 0) return consumed < MESSAGES;
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: Messages.map((m, k) => ({ Id: `d${k}`, ReceiptHandle: m.ReceiptHandle })) }));
    consumed += Messages.length;
    return true;
  });
  const done = performance.now();
  await sqs.send(new DeleteQueueCommand({ QueueUrl }));
  return {
    sendPerSecond: MESSAGES / ((sent - started) / 1000),
    receiveDeletePerSecond: MESSAGES / ((done - sent) / 1000),
    endToEndPerSecond: MESSAGES / ((done - started) / 1000),
  };
}

export async function run(): Promise<Record<string, unknown>> {
  const local = await startSqsLocal({ port: 0 });
  const sqs = new SQSClient({ endpoint: local.endpoint, region: 'eu-west-2', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  try {
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await oneRun(sqs, i));
    return {
      messages: MESSAGES,
      runs: RUNS,
      parallelRequests: PARALLEL,
      sendBatchMessagesPerSecondMedian: round(median(runs.map((r) => r.sendPerSecond))),
      receiveDeleteBatchMessagesPerSecondMedian: round(median(runs.map((r) => r.receiveDeletePerSecond))),
      endToEndMessagesPerSecondMedian: round(median(runs.map((r) => r.endToEndPerSecond))),
    };
  } finally {
    sqs.destroy();
    await local.close();
  }
}
