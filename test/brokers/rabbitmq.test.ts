import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RetryConfig } from '../../src/brokers/broker.js';
import { BrokerTopologyError, BrokerUnavailableError, RabbitMqBroker, type RetryMechanism } from '../../src/brokers/rabbitmq/broker.js';
import { brokerContract, command, waitFor } from './broker.contract.js';
import { AMQP_URL, bindingsOf, openRabbit, queueInfo, RawRabbit, type RabbitUnderTest } from './rabbitmq-admin.js';

const FILE_TAG = `h3-${randomUUID().slice(0, 6)}`;
let raw: RawRabbit;
beforeAll(async () => {
  raw = await RawRabbit.open();
});
afterAll(async () => {
  await raw.close();
});

for (const mechanism of ['wait-queue', 'quorum-delivery-limit'] as const) {
  brokerContract(`RabbitMQ (${mechanism})`, async (retry) => openRabbit(raw, FILE_TAG, mechanism, retry));
}

describe('RabbitMQ adapter: topology', () => {
  const opened: RabbitUnderTest[] = [];
  afterEach(async () => {
    for (const under of opened.splice(0)) {
      await under.cleanup();
      await under.broker.close();
    }
  });
  const open = (mechanism: RetryMechanism, retry: RetryConfig) => {
    const under = openRabbit(raw, FILE_TAG, mechanism, retry);
    opened.push(under);
    return under;
  };

  it('wait-queue: work queue dead-letters to the wait queue, whose TTL dead-letters back to the work queue', async () => {
    const { broker } = open('wait-queue', { mode: 'budget', maxDeliveries: 4, delayMs: 150 });
    await broker.setup();
    await broker.setup(); // idempotent
    const { names } = broker;
    const work = await queueInfo(names.queue);
    expect(work).toMatchObject({ type: 'classic', durable: true });
    expect(work.arguments).toEqual({ 'x-dead-letter-exchange': names.deadLetterExchange, 'x-dead-letter-routing-key': names.waitQueue });
    expect((await queueInfo(names.waitQueue)).arguments).toEqual({
      'x-message-ttl': 150,
      'x-dead-letter-exchange': names.exchange,
      'x-dead-letter-routing-key': names.queue,
    });
    expect((await queueInfo(names.deadLetterQueue)).arguments).toEqual({});
    expect(await bindingsOf(names.queue)).toContainEqual(expect.objectContaining({ source: names.exchange, routing_key: names.queue }));
    expect(await bindingsOf(names.waitQueue)).toContainEqual(expect.objectContaining({ source: names.deadLetterExchange, routing_key: names.waitQueue }));
    expect(await bindingsOf(names.deadLetterQueue)).toContainEqual(
      expect.objectContaining({ source: names.deadLetterExchange, routing_key: names.deadLetterQueue }),
    );
  });

  it('quorum-delivery-limit: a quorum work queue with x-delivery-limit = maxDeliveries - 1 and the DLX', async () => {
    const { broker } = open('quorum-delivery-limit', { mode: 'budget', maxDeliveries: 4, delayMs: 150 });
    await broker.setup();
    const { names } = broker;
    const work = await queueInfo(names.queue);
    expect(work.type).toBe('quorum');
    expect(work.arguments).toMatchObject({
      'x-queue-type': 'quorum',
      'x-delivery-limit': 3,
      'x-dead-letter-exchange': names.deadLetterExchange,
      'x-dead-letter-routing-key': names.deadLetterQueue,
    });
  });

  it("none: the work queue has no dead-letter exchange (the 2021 configuration)", async () => {
    const { broker } = open('wait-queue', { mode: 'none' });
    await broker.setup();
    expect((await queueInfo(broker.names.queue)).arguments).toEqual({});
  });

  it('refuses to run on a queue declared with other arguments (BrokerTopologyError, not a silent mismatch)', async () => {
    const first = open('wait-queue', { mode: 'budget', maxDeliveries: 3, delayMs: 100 });
    await first.broker.setup();
    const other = new RabbitMqBroker({ url: AMQP_URL, names: first.broker.names, retry: { mode: 'budget', maxDeliveries: 3, delayMs: 100 }, mechanism: 'quorum-delivery-limit' });
    try {
      await expect(other.setup()).rejects.toBeInstanceOf(BrokerTopologyError);
    } finally {
      await other.close();
    }
  });

  it('wraps an unreachable broker as BrokerUnavailableError with the cause', async () => {
    const broker = new RabbitMqBroker({
      url: 'amqp://guest:guest@127.0.0.1:1/%2F',
      retry: { mode: 'none' },
      reconnect: { initialDelayMs: 10, maxDelayMs: 20, maxAttempts: 2 },
    });
    const error: unknown = await broker.setup().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerUnavailableError);
    expect((error as Error).cause).toBeInstanceOf(Error);
    await broker.close();
  });
});

describe('RabbitMQ adapter: retry delay', () => {
  const opened: RabbitUnderTest[] = [];
  afterEach(async () => {
    for (const under of opened.splice(0)) {
      await under.cleanup();
      await under.broker.close();
    }
  });

  for (const mechanism of ['wait-queue', 'quorum-delivery-limit'] as const) {
    it(`${mechanism}: a retried command comes back no sooner than delayMs (no hot loop)`, async () => {
      const delayMs = 250;
      const under = openRabbit(raw, FILE_TAG, mechanism, { mode: 'budget', maxDeliveries: 3, delayMs });
      opened.push(under);
      await under.broker.setup();
      const c = command('delayed');
      await under.broker.publish(c);
      const seenAt: number[] = [];
      const consumption = await under.broker.consume(async () => {
        seenAt.push(performance.now());
        return { kind: 'conflict', reason: 'lost the Counter race' };
      });
      await waitFor('the command in the DLQ', async () => (await under.depth()).deadLetter === 1);
      await consumption.stop();
      expect(seenAt).toHaveLength(3);
      const gaps = seenAt.slice(1).map((at, i) => at - seenAt[i]!);
      // A lower bound only: a slow machine can make the gap longer, never shorter.
      for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(delayMs * 0.9);
    });
  }
});
