/**
 * The verifier's live sources at 1,000 queues: wall time (median of 3 reads, direct) and the API
 * calls one read makes (counted by a recording proxy), against the local SQS endpoint and the real
 * RabbitMQ. Calls grow as ⌈N/1000⌉ + N for SQS (ListQueues pages, one GetQueueAttributes per queue)
 * and 5 + ⌈N/500⌉ for RabbitMQ (pages of queues; exchanges, policies, operator policies, bindings,
 * overview). And the accuracy on the corpus (test/fixtures/exports/): verdicts right / verdicts,
 * per source kind, each verdict being the one the broker's observed behaviour decided.
 */
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startSqsLocal } from '../src/brokers/sqs-local/server.js';
import type { Source } from '../src/sources/queue-settings.js';
import { rabbitmqLiveSource } from '../src/sources/rabbitmq-live.js';
import { sqsLiveSource } from '../src/sources/sqs-live.js';
import { MANAGEMENT_URL, TestVhost } from '../test/sources/rabbit-admin.js';
import { startRecordingProxy } from '../test/sources/recording-proxy.js';
import { exitCode } from '../src/evaluate/report.js';
import { runPolicyCheck } from '../src/evaluate/run.js';
import { corpusArtefacts, CorpusPolicies, judgedRight } from '../test/fixtures/exports/corpus.js';
import { medianMs, round } from './stats.js';

const QUEUES = 1_000;
const RUNS = 3;

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

async function measure(direct: Source, proxied: Source, calls: () => string[]): Promise<Record<string, unknown>> {
  const read = await direct.load();
  const wallMsMedian = await medianMs(RUNS, () => direct.load());
  await proxied.load();
  const made = calls();
  return { queuesRead: read.length, wallMsMedian: round(wallMsMedian), apiCalls: made.length, apiCallsBy: countBy(made) };
}

async function sqs(): Promise<Record<string, unknown>> {
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  const local = await startSqsLocal({ port: 0, region: 'eu-west-2' });
  const proxy = await startRecordingProxy(local.endpoint);
  const client = new SQSClient({ region: 'eu-west-2', endpoint: local.endpoint });
  try {
    const dlq = await client.send(new CreateQueueCommand({ QueueName: 'bench-dlq', Attributes: { MessageRetentionPeriod: '1209600' } }));
    const arn = (await client.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn ?? '';
    const redrive = JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: 13 });
    for (let i = 1; i < QUEUES; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, QUEUES - i) }, (_, j) =>
          client.send(new CreateQueueCommand({ QueueName: `bench-${i + j}`, Attributes: (i + j) % 2 === 0 ? { RedrivePolicy: redrive } : {} })),
        ),
      );
    }
    const options = { region: 'eu-west-2', queueNamePrefix: 'bench-' };
    return await measure(sqsLiveSource({ ...options, endpoint: local.endpoint }), sqsLiveSource({ ...options, endpoint: proxy.url }), () =>
      proxy.calls.map((call) => call.operation ?? call.method),
    );
  } finally {
    client.destroy();
    await proxy.close();
    await local.close();
  }
}

async function rabbitmq(): Promise<Record<string, unknown>> {
  const vhost = await TestVhost.create('bench-sources');
  const proxy = await startRecordingProxy(MANAGEMENT_URL);
  try {
    const ch = vhost.channel;
    await ch.assertExchange('bench.dlx', 'fanout', { durable: false });
    await ch.assertQueue('bench.dlq', { durable: false });
    await ch.bindQueue('bench.dlq', 'bench.dlx', '');
    await Promise.all(
      Array.from({ length: QUEUES - 1 }, (_, i) => ch.assertQueue(`bench.${i}`, { durable: false, arguments: i % 3 === 0 ? { 'x-dead-letter-exchange': 'bench.dlx' } : {} })),
    );
    await vhost.setPolicy('bench-retry', { pattern: '^bench\\.\\d*[05]$', definition: { 'dead-letter-exchange': 'bench.dlx', 'message-ttl': 60_000 }, priority: 1 });
    await vhost.setOperatorPolicy('bench-cap', { pattern: '^bench\\.', definition: { 'delivery-limit': 50 } });
    const options = { vhost: vhost.name, username: 'guest', password: 'guest' };
    return await measure(rabbitmqLiveSource({ ...options, managementUrl: MANAGEMENT_URL }), rabbitmqLiveSource({ ...options, managementUrl: proxy.url }), () =>
      proxy.calls.map((call) => `${call.method} ${(call.path.split('?')[0] ?? '').replace(vhost.path, '{vhost}')}`),
    );
  } finally {
    await proxy.close();
    await vhost.close();
  }
}

/** Every file artefact of the corpus through policy-check: `right/total` per source kind. */
async function corpusAccuracy(): Promise<Record<string, string>> {
  const policies = new CorpusPolicies();
  const tally = new Map<string, { right: number; total: number }>();
  for (const c of corpusArtefacts()) {
    const report = await runPolicyCheck({ env: policies.environment(c), policiesDir: policies.dir, sources: c.paths, asOf: '2026-12-01', environ: {} }).catch(() => null);
    const entry = tally.get(c.kind) ?? { right: 0, total: 0 };
    tally.set(c.kind, entry);
    entry.total++;
    if (report !== null && judgedRight(c, report.findings, exitCode(report))) entry.right++;
  }
  const all = [...tally.values()].reduce((sum, t) => ({ right: sum.right + t.right, total: sum.total + t.total }), { right: 0, total: 0 });
  return { ...Object.fromEntries([...tally].map(([kind, t]) => [kind, `${t.right}/${t.total}`])), all: `${all.right}/${all.total}` };
}

export async function run(): Promise<Record<string, unknown>> {
  return { queues: QUEUES, runs: RUNS, sqsLocal: await sqs(), rabbitmq: await rabbitmq(), corpusVerdictsRight: await corpusAccuracy() };
}
