/**
 * A correct ESR topology on the real RabbitMQ, then each kind of drift a migration causes; the live
 * source must show each one. Policy changes are read back at once — no waiting for the management
 * API's lagging effective_policy_definition, because the source computes the merge itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueueSettings } from '../../src/sources/queue-settings.js';
import { rabbitmqLiveSource } from '../../src/sources/rabbitmq-live.js';
import { MANAGEMENT_URL, TestVhost } from './rabbit-admin.js';

const WORK = 'esr.queue.appfilegenerationcommand';
const CLASSIC = 'esr.classic.exporter';
const QUORUM = 'esr.qq.exporter';
const KEY = 'appfilegenerationcommand';
const RETRY_POLICY = { pattern: '^esr\\.queue\\.', definition: { 'delivery-limit': 12, 'dead-letter-exchange': 'esr.dlx' }, priority: 10 };

let vhost: TestVhost;

async function read(): Promise<Map<string, QueueSettings>> {
  const source = rabbitmqLiveSource({ managementUrl: MANAGEMENT_URL, vhost: vhost.name, username: 'guest', password: 'guest' });
  return new Map((await source.load()).map((q) => [q.name, q]));
}

async function queue(name: string): Promise<QueueSettings> {
  const found = (await read()).get(name);
  if (found === undefined) throw new Error(`${name} not read`);
  return found;
}

beforeAll(async () => {
  vhost = await TestVhost.create('h7-drift');
  const ch = vhost.channel;
  await ch.assertExchange('esr.commands', 'direct', { durable: true });
  await ch.assertExchange('esr.dlx', 'direct', { durable: true });
  await ch.assertQueue(WORK, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await ch.bindQueue(WORK, 'esr.commands', KEY);
  await ch.assertQueue('esr.dlq', { durable: true });
  await ch.bindQueue('esr.dlq', 'esr.dlx', KEY);
  await ch.assertQueue(CLASSIC, { durable: true, arguments: { 'x-dead-letter-exchange': 'esr.dlx', 'x-dead-letter-routing-key': KEY } });
  await ch.assertQueue(QUORUM, {
    durable: true,
    arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': 12, 'x-dead-letter-exchange': 'esr.dlx', 'x-dead-letter-routing-key': KEY },
  });
  // delayed retry: work → (fanout) → wait queue with a TTL → default exchange → back to work
  await ch.assertExchange('esr.retry', 'fanout', { durable: true });
  await ch.assertQueue('esr.retry.work', { durable: true, arguments: { 'x-dead-letter-exchange': 'esr.retry' } });
  await ch.assertQueue('esr.retry.wait', {
    durable: true,
    arguments: { 'x-message-ttl': 5000, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'esr.retry.work' },
  });
  await ch.bindQueue('esr.retry.wait', 'esr.retry', '');
  await vhost.setPolicy('esr-retry', RETRY_POLICY);
}, 60_000);

afterAll(async () => {
  await vhost?.close();
});

describe('live RabbitMQ: a correct topology, then each drift', () => {
  it('reads the correct topology: limits, dead-letter routes, roles, retry delay', async () => {
    const queues = await read();
    expect(queues.get(WORK)).toMatchObject({
      role: 'work',
      queueType: 'quorum',
      vhost: vhost.name,
      id: `${vhost.name}/${WORK}`,
      maxDeliveries: { value: 13, from: { source: 'rabbitmq-live', origin: 'policy', detail: 'esr-retry' } },
      deadLetterTarget: { value: { kind: 'exchange', name: 'esr.dlx', resolvedQueues: ['esr.dlq'] }, from: { origin: 'policy' } },
    });
    expect(queues.get('esr.dlq')?.role).toBe('dead-letter');
    expect(queues.get(CLASSIC)?.deadLetterTarget.value).toEqual({ kind: 'exchange', name: 'esr.dlx', routingKey: KEY, resolvedQueues: ['esr.dlq'] });
    expect(queues.get(QUORUM)?.maxDeliveries).toMatchObject({ value: 13, from: { origin: 'x-argument' } });
    expect(queues.get('esr.retry.wait')).toMatchObject({ role: 'wait', messageTtlSeconds: { value: 5 }, retryDelaySeconds: { value: 5 } });
    expect(queues.get('esr.retry.work')).toMatchObject({ role: 'work', retryDelaySeconds: { value: 5, from: { origin: 'x-argument' } } });
  });

  it('policy deleted: the quorum queue loses its limit (unlimited on 3.x) and its dead-letter exchange', async () => {
    await vhost.deletePolicy('esr-retry');
    try {
      const work = await queue(WORK);
      expect(work.maxDeliveries).toMatchObject({ value: 'unlimited', from: { origin: 'broker-default' } });
      expect(work.deadLetterTarget.value).toBeNull();
    } finally {
      await vhost.setPolicy('esr-retry', RETRY_POLICY);
    }
  });

  it('priority shadowed: a higher-priority policy matching the queue replaces the retry policy entirely', async () => {
    await vhost.setPolicy('esr-max-length', { pattern: '^esr\\.', definition: { 'max-length': 100_000 }, priority: 20 });
    try {
      const work = await queue(WORK);
      expect(work.maxDeliveries).toMatchObject({ value: 'unlimited', from: { origin: 'broker-default' } });
      expect(work.deadLetterTarget.value).toBeNull();
    } finally {
      await vhost.deletePolicy('esr-max-length');
    }
  });

  it('operator policy lowering the limit: the lower delivery-limit wins', async () => {
    await vhost.setOperatorPolicy('ops-cap', { pattern: '^esr\\.', definition: { 'delivery-limit': 1 } });
    try {
      const queues = await read();
      expect(queues.get(WORK)?.maxDeliveries).toMatchObject({ value: 2, from: { origin: 'operator-policy', detail: 'ops-cap' } });
      expect(queues.get(QUORUM)?.maxDeliveries).toMatchObject({ value: 2, from: { origin: 'operator-policy' } });
    } finally {
      await vhost.deleteOperatorPolicy('ops-cap');
    }
  });

  it('DLX pointing at an exchange with no queue: the dead-letter target resolves to no queue', async () => {
    await vhost.channel.unbindQueue('esr.dlq', 'esr.dlx', KEY);
    try {
      const queues = await read();
      expect(queues.get(WORK)?.deadLetterTarget.value).toMatchObject({ name: 'esr.dlx', resolvedQueues: [] });
      expect(queues.get('esr.dlq')?.role).toBe('work');
    } finally {
      await vhost.channel.bindQueue('esr.dlq', 'esr.dlx', KEY);
    }
  });

  it('DLX naming an exchange that does not exist: no queue, and the provenance says so', async () => {
    await vhost.setPolicy('esr-retry', { ...RETRY_POLICY, definition: { ...RETRY_POLICY.definition, 'dead-letter-exchange': 'esr.dlx.gone' } });
    try {
      const work = await queue(WORK);
      expect(work.deadLetterTarget.value).toMatchObject({ name: 'esr.dlx.gone', resolvedQueues: [] });
      expect(work.deadLetterTarget.from.detail).toMatch(/does not exist/);
    } finally {
      await vhost.setPolicy('esr-retry', RETRY_POLICY);
    }
  });

  it('classic queue re-created without its DLX: no dead-letter target, deliveries unbounded', async () => {
    await vhost.channel.deleteQueue(CLASSIC);
    await vhost.channel.assertQueue(CLASSIC, { durable: true });
    const classic = await queue(CLASSIC);
    expect(classic.deadLetterTarget.value).toBeNull();
    expect(classic.maxDeliveries.value).toBe('unlimited');
  });

  it('quorum queue re-created without delivery-limit on 3.x: unlimited redeliveries', async () => {
    await vhost.channel.deleteQueue(QUORUM);
    await vhost.channel.assertQueue(QUORUM, { durable: true, arguments: { 'x-queue-type': 'quorum', 'x-dead-letter-exchange': 'esr.dlx' } });
    const quorum = await queue(QUORUM);
    expect(quorum.maxDeliveries).toMatchObject({ value: 'unlimited', from: { origin: 'broker-default', detail: expect.stringMatching(/3\.x/) } });
    expect(quorum.brokerVersion).toMatch(/^3\./);
  });
});
