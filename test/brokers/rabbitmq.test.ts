import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RetryConfig } from '../../src/engine/broker.js';
import {
  BrokerRefusedError,
  BrokerTopologyError,
  BrokerUnavailableError,
  QueueMismatchError,
  RabbitMqBroker,
  type RetryMechanism,
} from '../../src/brokers/rabbitmq/broker.js';
import { createVhost, deleteVhost } from '../support/rabbitmq-management.js';
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

  it('names the argument that differs, the existing and the wanted value, and how to fix it', async () => {
    const first = open('quorum-delivery-limit', { mode: 'budget', maxDeliveries: 5, delayMs: 100 });
    await first.broker.setup();
    const other = new RabbitMqBroker({ url: AMQP_URL, names: first.broker.names, retry: { mode: 'budget', maxDeliveries: 20, delayMs: 100 } });
    try {
      const error: unknown = await other.setup().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QueueMismatchError);
      expect((error as QueueMismatchError).mismatch).toEqual({ argument: 'x-delivery-limit', queue: first.broker.names.queue, vhost: '/', existing: '4', wanted: '19' });
      expect((error as Error).message).toMatch(/has x-delivery-limit = 4; this configuration declares 19\. Fix: delete the queue .* or use the existing value/);
    } finally {
      await other.close();
    }
  });

  it('a wrong password, a missing vhost and a non-AMQP URL are refused at once, never retried', async () => {
    const vhost = `esr-refused-${randomUUID().slice(0, 8)}`;
    await createVhost(vhost);
    await deleteVhost(vhost); // now surely missing
    const cases: [string, RegExp][] = [
      ['amqp://guest:WRONG@127.0.0.1:5672/%2F', /refused the login of user 'guest': authentication failed/],
      [`amqp://guest:guest@127.0.0.1:5672/${vhost}`, new RegExp(`refused virtual host '${vhost}': it does not exist`)],
      ['http://127.0.0.1:5672', /must start with amqp:\/\/ or amqps:\/\//],
    ];
    for (const [url, message] of cases) {
      const progress: string[] = [];
      const broker = new RabbitMqBroker({ url, retry: { mode: 'none' }, progress: (line) => progress.push(line), reconnect: { initialDelayMs: 1_000, maxAttempts: 10 } });
      const error: unknown = await broker.setup().catch((e: unknown) => e);
      await broker.close();
      expect(error, url).toBeInstanceOf(BrokerRefusedError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toMatch(/WRONG/);
      expect(progress, url).toEqual([]);
    }
  });

  it('an unreachable broker: a progress line per retry, then BrokerUnavailableError within the total bound', async () => {
    const progress: string[] = [];
    const broker = new RabbitMqBroker({
      url: 'amqp://guest:guest@127.0.0.1:1/%2F',
      retry: { mode: 'none' },
      progress: (line) => progress.push(line),
      reconnect: { initialDelayMs: 100, maxDelayMs: 400, maxAttempts: 100, maxTotalMs: 1_500 },
    });
    const started = performance.now();
    const error: unknown = await broker.setup().catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    await broker.close();
    expect(error).toBeInstanceOf(BrokerUnavailableError);
    expect((error as Error).message).toMatch(/RabbitMQ at amqp:\/\/127\.0\.0\.1:1\/%2F unreachable after \d+ attempt\(s\) in \d+ ms/);
    expect(elapsed).toBeLessThan(1_500 + 500);
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress[0]).toMatch(/not reachable \(connect ECONNREFUSED 127\.0\.0\.1:1\); attempt 1, retrying in 100 ms, giving up after 1500 ms/);
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
