/**
 * The merge rules of rabbitmq-effective.ts, each established against the real broker (3.10 here):
 * declare, set the policy, publish, reject, count the deliveries, see where the message went — and
 * then check that the live source computes exactly what the broker did.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueueSettings } from '../../src/sources/queue-settings.js';
import { rabbitmqLiveSource } from '../../src/sources/rabbitmq-live.js';
import { api, MANAGEMENT_URL, pollUntil, TestVhost } from './rabbit-admin.js';

let vhost: TestVhost;
let read: Map<string, QueueSettings>;
let dlqA: string;
let dlqB: string;

const quorum = (args: Record<string, unknown> = {}) => ({ durable: true, arguments: { 'x-queue-type': 'quorum', ...args } });

function settingsOf(name: string): QueueSettings {
  const settings = read.get(name);
  if (settings === undefined) throw new Error(`the source did not read ${name}`);
  return settings;
}

beforeAll(async () => {
  vhost = await TestVhost.create('h7-rules');
  const ch = vhost.channel;
  dlqA = await vhost.deadLetterExchange('dlx-a');
  dlqB = await vhost.deadLetterExchange('dlx-b');
  await ch.assertQueue('qq-arg-3', quorum({ 'x-delivery-limit': 3, 'x-dead-letter-exchange': 'dlx-a' }));
  await ch.assertQueue('qq-arg-5-policy-2', quorum({ 'x-delivery-limit': 5, 'x-dead-letter-exchange': 'dlx-a' }));
  await ch.assertQueue('qq-arg-2-policy-5', quorum({ 'x-delivery-limit': 2, 'x-dead-letter-exchange': 'dlx-a' }));
  await ch.assertQueue('qq-policy-6-op-2', quorum({ 'x-dead-letter-exchange': 'dlx-a' }));
  await ch.assertQueue('qq-policy-2-op-6', quorum({ 'x-dead-letter-exchange': 'dlx-a' }));
  await ch.assertQueue('qq-arg-4-op-2', quorum({ 'x-delivery-limit': 4, 'x-dead-letter-exchange': 'dlx-a' }));
  await ch.assertQueue('qq-dlx-arg-a-policy-b', quorum({ 'x-delivery-limit': 1, 'x-dead-letter-exchange': 'dlx-a' }));
  await ch.assertQueue('qq-priority', quorum());
  await ch.assertQueue('qq-tie', quorum({ 'x-dead-letter-exchange': 'dlx-a' }));
  await ch.assertQueue('qq-no-limit', quorum({ 'x-dead-letter-exchange': 'dlx-a' }));
  await ch.assertQueue('classic-dlx-arg-a-policy-b', { durable: true, arguments: { 'x-dead-letter-exchange': 'dlx-a' } });
  await ch.assertQueue('classic-ttl-arg-60s-policy-300ms', { durable: true, arguments: { 'x-message-ttl': 60_000, 'x-dead-letter-exchange': 'dlx-a' } });

  await vhost.setPolicy('p-limit-2', { pattern: '^qq-arg-5-policy-2$', definition: { 'delivery-limit': 2 } });
  await vhost.setPolicy('p-limit-5', { pattern: '^qq-arg-2-policy-5$', definition: { 'delivery-limit': 5 } });
  await vhost.setPolicy('p-limit-6', { pattern: '^qq-policy-6-op-2$', definition: { 'delivery-limit': 6 } });
  await vhost.setOperatorPolicy('op-limit-2', { pattern: '^qq-(policy-6|arg-4)-op-2$', definition: { 'delivery-limit': 2 } });
  await vhost.setPolicy('p-limit-2b', { pattern: '^qq-policy-2-op-6$', definition: { 'delivery-limit': 2 } });
  await vhost.setOperatorPolicy('op-limit-6', { pattern: '^qq-policy-2-op-6$', definition: { 'delivery-limit': 6 } });
  await vhost.setPolicy('p-dlx-b', { pattern: '-dlx-arg-a-policy-b$', definition: { 'dead-letter-exchange': 'dlx-b' } });
  // the lower-priority policy also sets a DLX: if policies merged, the message would reach dlx-a
  await vhost.setPolicy('p-low', { pattern: '^qq-priority', definition: { 'delivery-limit': 1, 'dead-letter-exchange': 'dlx-a' }, priority: 1 });
  await vhost.setPolicy('p-high', { pattern: '^qq-priority$', definition: { 'delivery-limit': 3 }, priority: 5 });
  await vhost.setPolicy('p-tie-x', { pattern: '^qq-tie$', definition: { 'delivery-limit': 1 }, priority: 7 });
  await vhost.setPolicy('p-tie-y', { pattern: '^qq-tie$', definition: { 'delivery-limit': 4 }, priority: 7 });
  await vhost.setPolicy('p-ttl', { pattern: '^classic-ttl-', definition: { 'message-ttl': 300 } });

  // the management API reports applied policies seconds late: wait for it before reading, so that
  // the one case where the source uses the report (a priority tie) sees the broker's choice
  await Promise.all([
    vhost.waitForPolicy('qq-arg-5-policy-2', 'p-limit-2'),
    vhost.waitForPolicy('qq-policy-6-op-2', 'op-limit-2', 'operator_policy'),
    vhost.waitForPolicy('qq-arg-4-op-2', 'op-limit-2', 'operator_policy'),
    vhost.waitForPolicy('qq-policy-2-op-6', 'op-limit-6', 'operator_policy'),
    vhost.waitForPolicy('qq-priority', 'p-high'),
    vhost.waitForPolicy('classic-ttl-arg-60s-policy-300ms', 'p-ttl'),
    vhost.waitForPolicy('classic-dlx-arg-a-policy-b', 'p-dlx-b'),
  ]);
  await pollUntil('the broker to report its pick among the tied policies', async () => {
    const queue = (await api('GET', `/queues/${vhost.path}/qq-tie`)) as { policy?: string | null };
    return typeof queue.policy === 'string';
  });
  const source = rabbitmqLiveSource({ managementUrl: MANAGEMENT_URL, vhost: vhost.name, username: 'guest', password: 'guest' });
  read = new Map((await source.load()).map((q) => [q.name, q]));
}, 60_000);

afterAll(async () => {
  await vhost?.close();
});

describe('RabbitMQ 3.10 merge rules (established by counting deliveries on the real broker)', () => {
  it('quorum x-delivery-limit N: the message is delivered N + 1 times, then dead-lettered', async () => {
    expect(await vhost.countDeliveries('qq-arg-3', [dlqA])).toEqual({ deliveries: 4, endedIn: dlqA });
    expect(settingsOf('qq-arg-3').maxDeliveries).toMatchObject({ value: 4, from: { origin: 'x-argument', detail: 'x-delivery-limit' } });
  });

  it('x-argument and policy both set a delivery-limit: the lower wins (policy lower)', async () => {
    expect(await vhost.countDeliveries('qq-arg-5-policy-2', [dlqA])).toEqual({ deliveries: 3, endedIn: dlqA });
    expect(settingsOf('qq-arg-5-policy-2').maxDeliveries).toMatchObject({ value: 3, from: { origin: 'policy', detail: 'p-limit-2' } });
  });

  it('x-argument and policy both set a delivery-limit: the lower wins (argument lower)', async () => {
    expect(await vhost.countDeliveries('qq-arg-2-policy-5', [dlqA])).toEqual({ deliveries: 3, endedIn: dlqA });
    expect(settingsOf('qq-arg-2-policy-5').maxDeliveries).toMatchObject({ value: 3, from: { origin: 'x-argument' } });
  });

  it('an operator policy lowers the user policy delivery-limit', async () => {
    expect(await vhost.countDeliveries('qq-policy-6-op-2', [dlqA])).toEqual({ deliveries: 3, endedIn: dlqA });
    expect(settingsOf('qq-policy-6-op-2').maxDeliveries).toMatchObject({ value: 3, from: { origin: 'operator-policy', detail: 'op-limit-2' } });
  });

  it('an operator policy with a higher delivery-limit does not raise the user policy', async () => {
    expect(await vhost.countDeliveries('qq-policy-2-op-6', [dlqA])).toEqual({ deliveries: 3, endedIn: dlqA });
    expect(settingsOf('qq-policy-2-op-6').maxDeliveries).toMatchObject({ value: 3, from: { origin: 'policy', detail: 'p-limit-2b' } });
  });

  it('an operator policy lowers an x-argument delivery-limit too', async () => {
    expect(await vhost.countDeliveries('qq-arg-4-op-2', [dlqA])).toEqual({ deliveries: 3, endedIn: dlqA });
    expect(settingsOf('qq-arg-4-op-2').maxDeliveries).toMatchObject({ value: 3, from: { origin: 'operator-policy' } });
  });

  it('x-dead-letter-exchange wins over a policy dead-letter-exchange (quorum)', async () => {
    expect(await vhost.countDeliveries('qq-dlx-arg-a-policy-b', [dlqA, dlqB])).toEqual({ deliveries: 2, endedIn: dlqA });
    expect(settingsOf('qq-dlx-arg-a-policy-b').deadLetterTarget).toMatchObject({
      value: { kind: 'exchange', name: 'dlx-a', resolvedQueues: [dlqA] },
      from: { origin: 'x-argument' },
    });
  });

  it('x-dead-letter-exchange wins over a policy dead-letter-exchange (classic, rejected without requeue)', async () => {
    expect(await vhost.rejectOnce('classic-dlx-arg-a-policy-b', [dlqA, dlqB])).toBe(dlqA);
    expect(settingsOf('classic-dlx-arg-a-policy-b').deadLetterTarget.value?.name).toBe('dlx-a');
  });

  it('only the highest-priority policy applies: keys of a lower one are not merged in', async () => {
    // p-high's delivery-limit 3 applies; p-low's DLX does not, so the message is dropped
    expect(await vhost.countDeliveries('qq-priority', [dlqA])).toEqual({ deliveries: 4, endedIn: 'dropped' });
    const settings = settingsOf('qq-priority');
    expect(settings.maxDeliveries).toMatchObject({ value: 4, from: { origin: 'policy', detail: 'p-high' } });
    expect(settings.deadLetterTarget.value).toBeNull();
  });

  it('a priority tie is settled by the broker arbitrarily; the source follows its report and says so', async () => {
    const settings = settingsOf('qq-tie');
    const measured = await vhost.countDeliveries('qq-tie', [dlqA]);
    expect(measured.endedIn).toBe(dlqA);
    expect(settings.maxDeliveries.value).toBe(measured.deliveries);
    expect(settings.maxDeliveries.from.detail).toMatch(/tied at priority 7/);
  });

  it('message-ttl from x-argument and policy: the lower wins', async () => {
    vhost.channel.sendToQueue('classic-ttl-arg-60s-policy-300ms', Buffer.from('expires'));
    // dead-lettered as expired within 5 s: the policy's 300 ms applied, not the argument's 60 s
    await pollUntil('the expired message in the dead-letter queue', () => vhost.channel.get(dlqA, { noAck: true }), 5_000);
    expect(settingsOf('classic-ttl-arg-60s-policy-300ms').messageTtlSeconds).toMatchObject({ value: 0.3, from: { origin: 'policy', detail: 'p-ttl' } });
  });

  it('a quorum queue without delivery-limit on 3.x redelivers without limit', async () => {
    expect(await vhost.countDeliveries('qq-no-limit', [dlqA], 30)).toEqual({ deliveries: 30, endedIn: 'still-looping' });
    expect(settingsOf('qq-no-limit').maxDeliveries).toMatchObject({ value: 'unlimited', from: { origin: 'broker-default' } });
  });

  it('version-aware: the same queue on 4.x gets the default delivery-limit 20 (21 deliveries)', async () => {
    const on4 = await rabbitmqLiveSource({ managementUrl: MANAGEMENT_URL, vhost: vhost.name, username: 'guest', password: 'guest', version: '4.0.5' }).load();
    const queue = on4.find((q) => q.name === 'qq-no-limit');
    expect(queue?.brokerVersion).toBe('4.0.5');
    expect(queue?.maxDeliveries).toMatchObject({ value: 21, from: { origin: 'broker-default' } });
    expect(settingsOf('qq-no-limit').brokerVersion).toMatch(/^3\./);
  });

  it('classic queues do not count deliveries', async () => {
    expect(settingsOf('classic-dlx-arg-a-policy-b').maxDeliveries).toMatchObject({ value: 'unlimited', from: { origin: 'broker-default' } });
  });
});
