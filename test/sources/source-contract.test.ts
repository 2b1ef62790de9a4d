/** The Source contract, run against every source: live RabbitMQ, live SQS, each file format. */
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe } from 'vitest';
import { startSqsLocal, type SqsLocal } from '../../src/brokers/sqs-local/server.js';
import { fileSource } from '../../src/sources/files.js';
import { rabbitmqLiveSource } from '../../src/sources/rabbitmq-live.js';
import { sqsLiveSource } from '../../src/sources/sqs-live.js';
import { MANAGEMENT_URL, TestVhost } from './rabbit-admin.js';
import { sourceContract } from './source.contract.js';

const SECRET_KEY = 'contract-secret-access-key';
let vhost: TestVhost;
let local: SqsLocal;

beforeAll(async () => {
  vhost = await TestVhost.create('h7-contract');
  const ch = vhost.channel;
  await ch.assertExchange('dlx', 'topic', { durable: true });
  await ch.assertQueue('dlq', { durable: true });
  await ch.bindQueue('dlq', 'dlx', '#');
  await ch.assertQueue('work', { durable: true, arguments: { 'x-queue-type': 'quorum', 'x-dead-letter-exchange': 'dlx' } });
  await vhost.setPolicy('limit', { pattern: '^work$', definition: { 'delivery-limit': 9 } });

  process.env.AWS_ACCESS_KEY_ID = 'contract';
  process.env.AWS_SECRET_ACCESS_KEY = SECRET_KEY;
  local = await startSqsLocal({ port: 0, region: 'eu-west-2' });
  const client = new SQSClient({ region: 'eu-west-2', endpoint: local.endpoint });
  const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'contract-dlq' }));
  const arn = (await client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn ?? '';
  await client.send(new CreateQueueCommand({ QueueName: 'contract-work', Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: 5 }) } }));
  client.destroy();
}, 60_000);

afterAll(async () => {
  await vhost?.close();
  await local?.close();
});

describe('Source contract: rabbitmq-live', () => {
  sourceContract(() => ({
    source: () => rabbitmqLiveSource({ managementUrl: MANAGEMENT_URL, vhost: vhost.name, username: 'guest', password: 'guest' }),
    secrets: ['guest:guest', 'Z3Vlc3Q6Z3Vlc3Q='],
    minQueues: 2,
  }));
});

describe('Source contract: sqs-live', () => {
  sourceContract(() => ({
    source: () => sqsLiveSource({ region: 'eu-west-2', endpoint: local.endpoint, queueNamePrefix: 'contract-' }),
    secrets: [SECRET_KEY],
    minQueues: 2,
  }));
});

for (const file of ['terraform/plan.json', 'cloudformation/esr-queues.yaml', 'cloudformation/esr-queues.json', 'definitions.json']) {
  describe(`Source contract: file ${file}`, () => {
    sourceContract(() => ({ source: () => fileSource(`test/fixtures/sources/${file}`), secrets: [], minQueues: 2 }));
  });
}
