/**
 * Broker rules the adapter relies on, established against the real RabbitMQ (not the adapter):
 * declare, publish, reject, count the deliveries, see where the message went. If an upgrade
 * changes a rule (4.x changed the delivery limit), this file says so first.
 */
import { randomUUID } from 'node:crypto';
import type { Channel, ConsumeMessage } from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deathsOf, deliveryCountOf, deliveryLimitFor } from '../../src/brokers/rabbitmq/topology.js';
import { waitFor } from './broker.contract.js';
import { RawRabbit } from './rabbitmq-admin.js';

const TAG = `h3r-${randomUUID().slice(0, 6)}`;
let raw: RawRabbit;
let channel: Channel;
const declared: { queues: string[]; exchanges: string[] } = { queues: [], exchanges: [] };

beforeAll(async () => {
  raw = await RawRabbit.open();
});
afterEach(async () => {
  await raw.deleteQueues(declared.queues.splice(0));
  await raw.deleteExchanges(declared.exchanges.splice(0));
});
afterAll(async () => {
  await raw.close();
});

async function queue(role: string, args: Record<string, unknown> = {}): Promise<string> {
  const name = `${TAG}.${role}.${randomUUID().slice(0, 8)}`;
  channel = await raw.ch();
  await channel.assertQueue(name, { durable: true, arguments: args });
  declared.queues.push(name);
  return name;
}

async function exchangeTo(target: string): Promise<string> {
  const name = `${TAG}.dlx.${randomUUID().slice(0, 8)}`;
  await channel.assertExchange(name, 'fanout', { durable: true });
  await channel.bindQueue(target, name, '');
  declared.exchanges.push(name);
  return name;
}

/** Consumes `name`, settling every delivery with `settle`, until no delivery came for `quietMs`. */
async function deliveriesOf(name: string, settle: (ch: Channel, message: ConsumeMessage, n: number) => void, quietMs = 400): Promise<ConsumeMessage[]> {
  const ch = await raw.ch();
  const seen: ConsumeMessage[] = [];
  let lastAt = performance.now();
  const { consumerTag } = await ch.consume(name, (message) => {
    if (!message) return;
    seen.push(message);
    lastAt = performance.now();
    settle(ch, message, seen.length);
  });
  await waitFor(`${name} quiet`, () => seen.length > 0 && performance.now() - lastAt > quietMs);
  await ch.cancel(consumerTag);
  return seen;
}

async function publishOne(name: string): Promise<void> {
  (await raw.ch()).sendToQueue(name, Buffer.from('{}'), { persistent: true, messageId: 'rule' });
}

describe('RabbitMQ 3.10 rules, established against the real broker', () => {
  for (const limit of [0, 1, 2]) {
    it(`quorum x-delivery-limit ${limit}: ${limit + 1} deliveries, then dead-lettered as delivery_limit (so limit = maxDeliveries - 1)`, async () => {
      const dlq = await queue('dlq');
      const work = await queue('work', { 'x-queue-type': 'quorum', 'x-delivery-limit': limit, 'x-dead-letter-exchange': await exchangeTo(dlq) });
      await publishOne(work);
      const seen = await deliveriesOf(work, (ch, message) => ch.nack(message, false, true));
      expect(seen).toHaveLength(limit + 1);
      expect(deliveryLimitFor(seen.length)).toBe(limit);
      // x-delivery-count counts previous deliveries: absent on the first, then 1, 2, …
      expect(seen.map((m) => m.properties.headers?.['x-delivery-count'])).toEqual(Array.from({ length: limit + 1 }, (_, i) => (i === 0 ? undefined : i)));
      expect(seen.map((m) => deliveryCountOf(m.properties.headers, work))).toEqual(Array.from({ length: limit + 1 }, (_, i) => i + 1));

      const dead = await (await raw.ch()).get(dlq, { noAck: true });
      expect(dead).not.toBe(false);
      const headers = dead ? dead.properties.headers : {};
      expect(deathsOf(headers)).toEqual([{ queue: work, reason: 'delivery_limit', count: 1 }]);
      // The dead-lettered copy no longer carries the delivery count: the DLQ cannot tell how many deliveries it took.
      expect(headers?.['x-delivery-count']).toBeUndefined();
    });
  }

  it('a rejected message cycles through a TTL wait queue; x-death keeps one entry per (queue, reason) with a growing count', async () => {
    const work = await queue('work');
    const wait = await queue('wait', { 'x-message-ttl': 30, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': work });
    await channel.deleteQueue(work);
    await channel.assertQueue(work, { durable: true, arguments: { 'x-dead-letter-exchange': await exchangeTo(wait) } });
    await publishOne(work);
    const seen = await deliveriesOf(work, (ch, message, n) => (n < 4 ? ch.nack(message, false, false) : ch.ack(message)));
    expect(seen).toHaveLength(4);
    const last = seen[3]?.properties.headers;
    expect(deathsOf(last)).toEqual([
      { queue: wait, reason: 'expired', count: 3 },
      { queue: work, reason: 'rejected', count: 3 },
    ]);
    expect(last?.['x-first-death-queue']).toBe(work);
    expect(last?.['x-first-death-reason']).toBe('rejected');
    expect(seen.map((m) => deliveryCountOf(m.properties.headers, work))).toEqual([1, 2, 3, 4]);
  });

  it('reject without requeue on a queue without a dead-letter exchange drops the message: the 2021 loss', async () => {
    const work = await queue('work');
    await publishOne(work);
    const seen = await deliveriesOf(work, (ch, message) => ch.reject(message, false));
    expect(seen).toHaveLength(1);
    expect(await raw.messageCount(work)).toBe(0);
  });

  it('nack with requeue on a classic queue redelivers at once and counts nothing: no delay, no budget', async () => {
    const work = await queue('work');
    await publishOne(work);
    const seen = await deliveriesOf(work, (ch, message, n) => (n < 5 ? ch.nack(message, false, true) : ch.ack(message)));
    expect(seen).toHaveLength(5);
    expect(seen.slice(1).every((m) => m.fields.redelivered)).toBe(true);
    expect(seen.map((m) => m.properties.headers?.['x-delivery-count'] ?? null)).toEqual([null, null, null, null, null]);
    expect(seen.map((m) => deliveryCountOf(m.properties.headers, work))).toEqual([1, 1, 1, 1, 1]);
  });
});
