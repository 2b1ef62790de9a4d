import { createVhost, deleteVhost, managementClient } from './management.js';
import { startSqsLocal } from '../brokers/sqs-local/server.js';
import { SQSClient, CreateQueueCommand, GetQueueAttributesCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';

/**
 * The story's own setup of two brokers: the legacy one with its retry policy, the new one without.
 * These are writes, made by the story to stage the migration, never by the verifier.
 */
export interface StagedBrokers {
  /** Where the new broker lives: its vhost (RabbitMQ) or queue name prefix (SQS). */
  target: string;
  /** Environment YAML (policy-check) for the legacy and the new broker. */
  legacyEnvironment: string;
  targetEnvironment: string;
  /** The fix the finding asks for, applied to the new broker. */
  applyFix(): Promise<void>;
  cleanup(): Promise<void>;
}

/** The local endpoint accepts any credentials; the staged environments name these variables, the story sets them. */
export const LOCAL_SQS_KEYS = { accessKeyIdEnv: 'ESR_STORY_SQS_KEY_ID', secretAccessKeyEnv: 'ESR_STORY_SQS_SECRET' } as const;
export const LOCAL_SQS_ENVIRON = { [LOCAL_SQS_KEYS.accessKeyIdEnv]: 'local', [LOCAL_SQS_KEYS.secretAccessKeyEnv]: 'local' };

export const RABBITMQ_RETRY_POLICY = {
  pattern: '^esr\\.queue\\.',
  'apply-to': 'queues',
  priority: 1,
  definition: { 'delivery-limit': 20, 'dead-letter-exchange': 'esr.dlx' },
};

const QUEUES_YAML = (commands: string, apprecords: string, dlq: string, consumer: string) => `queues:
  export-commands:
    name: ${commands}
    consumerConfig: ../consumers/${consumer}
  apprecord-created:
    name: ${apprecords}
    consumerConfig: ../consumers/${consumer}
  dead-letters:
    name: ${dlq}
`;

export async function stageRabbitMq(managementUrl: string, suffix: string): Promise<StagedBrokers> {
  const client = managementClient(managementUrl);
  const api = client.api;
  const legacy = `esr-story-legacy-${suffix}`;
  const target = `esr-story-aws-${suffix}`;
  for (const vhost of [legacy, target]) {
    const v = encodeURIComponent(vhost);
    await createVhost(client, vhost);
    for (const name of ['esr.queue.appfilegenerationcommand', 'esr.queue.apprecord.created.dataexporter']) {
      await api('PUT', `/queues/${v}/${name}`, { durable: true, auto_delete: false, arguments: { 'x-queue-type': 'quorum' } });
    }
    await api('PUT', `/queues/${v}/esr.dlq`, { durable: true, auto_delete: false, arguments: {} });
    await api('PUT', `/exchanges/${v}/esr.dlx`, { type: 'fanout', durable: true });
    await api('POST', `/bindings/${v}/e/esr.dlx/q/esr.dlq`, { routing_key: '' });
  }
  await api('PUT', `/policies/${encodeURIComponent(legacy)}/esr-retry`, RABBITMQ_RETRY_POLICY);
  const environment = (name: string, vhost: string) =>
    `name: ${name}\nrabbitmq:\n  managementUrl: ${managementUrl}\n  vhost: ${vhost}\n` +
    QUEUES_YAML('esr.queue.appfilegenerationcommand', 'esr.queue.apprecord.created.dataexporter', 'esr.dlq', 'esr-data-exporter.yml');
  return {
    target,
    legacyEnvironment: environment('legacy', legacy),
    targetEnvironment: environment('aws', target),
    applyFix: async () => void (await api('PUT', `/policies/${encodeURIComponent(target)}/esr-retry`, RABBITMQ_RETRY_POLICY)),
    cleanup: async () => {
      await deleteVhost(client, legacy);
      await deleteVhost(client, target);
    },
  };
}

/** The same staging on a local SQS endpoint of its own: the legacy queues have a RedrivePolicy, the new ones lost it. */
export async function stageSqs(suffix: string): Promise<StagedBrokers> {
  const local = await startSqsLocal({ port: 0 });
  const endpoint = local.endpoint;
  const client = new SQSClient({ endpoint, region: 'eu-west-2', credentials: { accessKeyId: 'story', secretAccessKey: 'story' } });
  const names = (side: string) => ({
    commands: `esr-${side}-${suffix}-appfilegenerationcommand`,
    apprecords: `esr-${side}-${suffix}-apprecord-created`,
    dlq: `esr-${side}-${suffix}-dlq`,
  });
  const create = async (name: string, attributes: Record<string, string>) =>
    (await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!;
  const arnOf = async (url: string) =>
    (await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  const redrive = (dlqArn: string) => JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 20 });
  const work = { VisibilityTimeout: '60', MessageRetentionPeriod: '345600' };

  const stage = async (side: 'legacy' | 'aws') => {
    const n = names(side);
    const dlqUrl = await create(n.dlq, { MessageRetentionPeriod: '1209600' });
    const dlqArn = await arnOf(dlqUrl);
    const withRedrive = side === 'legacy' ? { ...work, RedrivePolicy: redrive(dlqArn) } : work;
    const urls = [await create(n.commands, withRedrive), await create(n.apprecords, withRedrive)];
    return { n, dlqArn, urls };
  };
  const legacy = await stage('legacy');
  const target = await stage('aws');
  const environment = (name: string, n: ReturnType<typeof names>) =>
    `name: ${name}\nsqs:\n  region: eu-west-2\n  endpoint: ${endpoint}\n  queueNamePrefix: esr-\n` +
    `  credentials: { accessKeyIdEnv: ${LOCAL_SQS_KEYS.accessKeyIdEnv}, secretAccessKeyEnv: ${LOCAL_SQS_KEYS.secretAccessKeyEnv} }\n` +
    QUEUES_YAML(n.commands, n.apprecords, n.dlq, 'esr-data-exporter-sqs.yml');
  return {
    target: `esr-aws-${suffix}-`,
    legacyEnvironment: environment('legacy', legacy.n),
    targetEnvironment: environment('aws', target.n),
    applyFix: async () => {
      for (const url of target.urls) {
        await client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { RedrivePolicy: redrive(target.dlqArn) } }));
      }
    },
    cleanup: async () => {
      client.destroy();
      await local.close();
    },
  };
}
